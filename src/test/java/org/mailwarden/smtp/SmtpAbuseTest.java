package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** Postscreen's pregreet test and reject_unauth_pipelining, judged at the right stage of the session. */
class SmtpAbuseTest {

    @RegisterExtension
    final TestServerExtension server = TestServerExtension.startedByEachTest();

    private void startWithGreetTest() throws Exception {
        server.start(dir -> TestServer.start(dir, l -> l.withGreetWait(Duration.ofMillis(400), List.of())));
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRejectedAndReported() throws Exception {
        startWithGreetTest();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.send("EHLO impatient.bot.test\r\n"); // at once, before any greeting
            List<String> reply = c.reply();
            assertThat(reply.getFirst()).startsWith("220-mx.example.test");
            assertThat(reply.getLast()).startsWith("554 5.5.1 Protocol error");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(server.get().events(Event.Pregreet.class)).hasSize(1);
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void aClientThatWaitsForTheWholeGreetingPassesAndIsNotTestedAgain() throws Exception {
        startWithGreetTest();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            List<String> greeting = c.reply(); // waits for the final "220 " line
            assertThat(greeting).containsExactly("220-mx.example.test ESMTP Mailwarden",
                    "220 mx.example.test ESMTP Mailwarden");
            assertThat(c.cmd("EHLO patient.mta.test")).startsWith("250 ");
            c.cmd("MAIL FROM:<a@remote.test>");
            c.cmd("RCPT TO:<alice@example.test>");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: ok\r\n\r\nx\r\n.")).startsWith("250 2.0.0");
        }
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            // passed once: the next connection gets the plain greeting at once
            assertThat(c.reply()).containsExactly("220 mx.example.test ESMTP Mailwarden");
        }
        assertThat(server.get().events(Event.Pregreet.class)).isEmpty();
    }

    @Test
    void pipeliningWithoutEhloIsRejectedAtDataNotBefore() throws Exception {
        server.start();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.send("HELO old.bot.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.read()).startsWith("250 "); // HELO
            assertThat(c.read()).startsWith("250 2.1.0"); // MAIL: not judged on a partial view
            assertThat(c.read()).startsWith("250 2.1.5"); // RCPT
            assertThat(c.read()).startsWith("554 5.5.0"); // DATA: the whole session is visible now
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(server.get().events(Event.UnauthPipelining.class)).singleElement()
                .extracting(Event.UnauthPipelining::detail).asString().contains("HELO");
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void messageDataSentBeforeThe354IsRejected() throws Exception {
        server.start();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO fast.bot.test");
            c.send("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("554 5.5.0");
        }
        assertThat(server.get().events(Event.UnauthPipelining.class)).singleElement()
                .extracting(Event.UnauthPipelining::detail).asString().contains("DATA");
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void aCommandGroupStartingWithEhloIsImproper() throws Exception {
        server.start();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.send("EHLO eager.bot.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n");
            c.reply();
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("554 5.5.0");
        }
        assertThat(server.get().events(Event.UnauthPipelining.class)).hasSize(1);
    }

    @Test
    void aWellBehavedPipeliningClientIsAccepted() throws Exception {
        server.start();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            assertThat(c.cmd("EHLO good.mta.test")).startsWith("250 ");
            c.send("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("354");
            c.send("Subject: fine\r\n\r\nbody\r\n.\r\nQUIT\r\n"); // the end of data and QUIT may go together
            assertThat(c.read()).startsWith("250 2.0.0");
            assertThat(c.read()).startsWith("221 ");
        }
        assertThat(server.get().events(Event.UnauthPipelining.class)).isEmpty();
        assertThat(server.get().messages("bob@example.test")).hasSize(1);
    }
}
