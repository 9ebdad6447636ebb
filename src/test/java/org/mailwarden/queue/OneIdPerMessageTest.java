package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;

/** The id in "queued as X" is the message's id everywhere: the queue entry, the delivered and attempt lines. */
class OneIdPerMessageTest {

    @TempDir
    Path dir;

    @Test
    void theQueuedAsIdIsTheQueueEntryAndEveryLogLineAboutTheMessage() throws Exception {
        try (TestServer t = TestServer.startWithConfig(dir, "relay.trusted-networks = 127.0.0.1/32")) {
            String reply;
            try (SmtpClient c = new SmtpClient(t.smtpPort())) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.example.test");
                c.cmd("MAIL FROM:<alice@example.test>");
                assertThat(c.cmd("RCPT TO:<someone@remote.test>")).startsWith("250");
                assertThat(c.cmd("RCPT TO:<bob@example.test>")).startsWith("250");
                assertThat(c.cmd("DATA")).startsWith("354");
                reply = c.cmd("Subject: which id\r\n\r\nx\r\n.");
            }
            assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
            String id = reply.substring(reply.lastIndexOf(' ') + 1);

            assertThat(t.queueEnvelopes()).extracting(p -> p.getFileName().toString()).containsExactly(id + ".env");
            assertThat(t.events(Event.Delivered.class)).singleElement().extracting(Event.Delivered::id).isEqualTo(id);
            assertThat(t.messages("bob@example.test")).singleElement().asString().contains(" id " + id);
            Await.until("first attempt", Duration.ofSeconds(20), () -> !t.events(Event.DeliveryAttempt.class).isEmpty());
            assertThat(t.events(Event.DeliveryAttempt.class)).allSatisfy(a -> assertThat(a.id()).isEqualTo(id));
        }
    }
}
