package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.events.Event;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;

/** Postscreen's pregreet test and reject_unauth_pipelining, judged at the right stage of the session. */
class SmtpAbuseTest {

    @TempDir
    Path dir;
    TestServer t;

    @AfterEach
    void stop() {
        if (t != null) {
            t.close();
        }
    }

    private void startWithGreetTest() throws Exception {
        t = TestServer.start(dir, l -> l.withGreetWait(Duration.ofMillis(400), List.of()));
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRejectedAndReported() throws Exception {
        startWithGreetTest();
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            c.send("EHLO impatient.bot.test\r\n"); // at once, before any greeting
            List<String> reply = c.reply();
            assertThat(reply.getFirst()).startsWith("220-mx.example.test");
            assertThat(reply.getLast()).startsWith("554 5.5.1 Protocol error");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t.events(Event.Pregreet.class)).hasSize(1);
        assertThat(t.messages("alice@example.test")).isEmpty();
    }

    @Test
    void aClientThatWaitsForTheWholeGreetingPassesAndIsNotTestedAgain() throws Exception {
        startWithGreetTest();
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            List<String> greeting = c.reply(); // waits for the final "220 " line
            assertThat(greeting).containsExactly("220-mx.example.test ESMTP Mailwarden",
                    "220 mx.example.test ESMTP Mailwarden");
            assertThat(c.cmd("EHLO patient.mta.test")).startsWith("250 ");
            c.cmd("MAIL FROM:<a@remote.test>");
            c.cmd("RCPT TO:<alice@example.test>");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: ok\r\n\r\nx\r\n.")).startsWith("250 2.0.0");
        }
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            // passed once: the next connection gets the plain greeting at once
            assertThat(c.reply()).containsExactly("220 mx.example.test ESMTP Mailwarden");
        }
        assertThat(t.events(Event.Pregreet.class)).isEmpty();
    }

    @Test
    void pipeliningWithoutEhloIsRejectedAtDataNotBefore() throws Exception {
        t = TestServer.start(dir);
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            c.read();
            c.send("HELO old.bot.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.read()).startsWith("250 "); // HELO
            assertThat(c.read()).startsWith("250 2.1.0"); // MAIL: not judged on a partial view
            assertThat(c.read()).startsWith("250 2.1.5"); // RCPT
            assertThat(c.read()).startsWith("554 5.5.0"); // DATA: the whole session is visible now
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t.events(Event.UnauthPipelining.class)).singleElement()
                .extracting(Event.UnauthPipelining::detail).asString().contains("HELO");
        assertThat(t.messages("alice@example.test")).isEmpty();
    }

    @Test
    void messageDataSentBeforeThe354IsRejected() throws Exception {
        t = TestServer.start(dir);
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            c.read();
            c.cmd("EHLO fast.bot.test");
            c.send("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("554 5.5.0");
        }
        assertThat(t.events(Event.UnauthPipelining.class)).singleElement()
                .extracting(Event.UnauthPipelining::detail).asString().contains("DATA");
        assertThat(t.messages("alice@example.test")).isEmpty();
    }

    @Test
    void aCommandGroupStartingWithEhloIsImproper() throws Exception {
        t = TestServer.start(dir);
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            c.read();
            c.send("EHLO eager.bot.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@example.test>\r\n");
            c.reply();
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("554 5.5.0");
        }
        assertThat(t.events(Event.UnauthPipelining.class)).hasSize(1);
    }

    @Test
    void aWellBehavedPipeliningClientIsAccepted() throws Exception {
        t = TestServer.start(dir);
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
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
        assertThat(t.events(Event.UnauthPipelining.class)).isEmpty();
        assertThat(t.messages("bob@example.test")).hasSize(1);
    }
}
