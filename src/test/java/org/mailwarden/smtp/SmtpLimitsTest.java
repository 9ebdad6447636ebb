package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.config.Settings;
import org.mailwarden.config.SmtpConfig;
import org.mailwarden.events.Event;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** Every SMTP limit answers with its protocol error; none crashes or hangs the session. */
class SmtpLimitsTest {

    @RegisterExtension
    final TestServerExtension server = TestServerExtension.startedByEachTest();

    private SmtpClient open(UnaryOperator<SmtpConfig> limits) throws Exception {
        server.start(dir -> TestServer.start(dir, limits));
        SmtpClient c = new SmtpClient(server.get().smtpPort());
        assertThat(c.read()).startsWith("220 ");
        assertThat(c.cmd("EHLO client.remote.test")).startsWith("250 ");
        return c;
    }

    private SmtpClient open() throws Exception {
        return open(UnaryOperator.identity());
    }

    private static void envelope(SmtpClient c) throws Exception {
        assertThat(c.cmd("MAIL FROM:<sender@remote.test>")).startsWith("250 ");
        assertThat(c.cmd("RCPT TO:<alice@example.test>")).startsWith("250 ");
    }

    @Test
    void commandLineLongerThan1000OctetsGets500AndTheSessionGoesOn() throws Exception {
        try (SmtpClient c = open()) {
            assertThat(c.cmd("NOOP " + "x".repeat(995))).startsWith("500 5.5.2 Line too long");
            assertThat(c.cmd("NOOP " + "x".repeat(993))).startsWith("250 "); // 1000 with CRLF: allowed
            envelope(c);
        }
    }

    @Test
    void aCommandLineWithABareCrIsRefusedAndControlCharactersAreNeverEchoed() throws Exception {
        try (SmtpClient c = open()) {
            // a bare CR would end the reply line early in the client's view: "250-FAKE" would look like ours
            java.util.List<String> r = c.send("EHLO evil.test\r250-FAKE\r\n").reply();
            assertThat(r).singleElement().satisfies(l -> assertThat(l).startsWith("500 5.5.2").doesNotContain("\r"));
            r = c.send("EHLO red\u001b[31m.test\r\n").reply();
            assertThat(r.getFirst()).startsWith("250-mx.example.test greets red");
            assertThat(String.join("", r)).doesNotContain("\u001b").doesNotContain("\r");
            assertThat(c.cmd("NOOP")).startsWith("250 ");
        }
    }

    @Test
    void endlessLineIsCutOffAndTheConnectionClosed() throws Exception {
        try (SmtpClient c = open()) {
            // written from another thread: the server may hang up before the client has finished writing
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.send("NOOP " + "x".repeat(200_000));
                } catch (java.io.IOException expected) {
                    // broken pipe: the server closed first, as it should
                }
            });
            assertThat(c.read()).startsWith("500 5.5.2");
            writer.join(10_000);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void declaredSizeOverTheLimitIsRefusedAtMail() throws Exception {
        try (SmtpClient c = open(l -> l.withMaxMessageSize(2000))) {
            assertThat(c.cmd("MAIL FROM:<sender@remote.test> SIZE=5000")).startsWith("552 5.3.4");
            assertThat(c.cmd("MAIL FROM:<sender@remote.test> SIZE=1000")).startsWith("250 ");
        }
    }

    @Test
    void messageOverTheLimitIsReadToItsEndThenRefused() throws Exception {
        try (SmtpClient c = open(l -> l.withMaxMessageSize(2000))) {
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            String big = ("x".repeat(78) + "\r\n").repeat(100);
            assertThat(c.cmd("Subject: big\r\n\r\n" + big + ".")).startsWith("552 5.3.4");
            // still in step: a new transaction works
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: small\r\n\r\nok\r\n.")).startsWith("250 2.0.0");
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString().contains("Subject: small");
    }

    @Test
    void tooManyRecipientsGet452() throws Exception {
        try (SmtpClient c = open(l -> l.withMaxRecipients(100))) {
            assertThat(c.cmd("MAIL FROM:<sender@remote.test>")).startsWith("250 ");
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 101; i++) {
                burst.append("RCPT TO:<alice+").append(i).append("@example.test>\r\n");
            }
            c.send(burst.toString());
            for (int i = 0; i < 100; i++) {
                assertThat(c.read()).startsWith("250 2.1.5");
            }
            assertThat(c.read()).startsWith("452 4.5.3");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: many\r\n\r\nx\r\n.")).startsWith("250 ");
        }
        assertThat(server.get().messages("alice@example.test")).hasSize(1);
    }

    @Test
    void idleClientIsDisconnectedWith421AfterTheCommandTimeout() throws Exception {
        try (SmtpClient c = open(l -> l.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300)))) {
            assertThat(c.read()).startsWith("421 4.4.2");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(server.get().events(Event.Timeout.class)).singleElement().extracting(Event.Timeout::stage)
                .isEqualTo("command");
    }

    @Test
    void stalledDataIsDisconnectedWith421AndNothingIsStored() throws Exception {
        try (SmtpClient c = open(l -> l.withTimeouts(Duration.ofSeconds(30), Duration.ofMillis(300)))) {
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            c.send("Subject: stalled\r\n\r\nhalf a message");
            assertThat(c.read()).startsWith("421 4.4.2");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void bareLfInDataIsRefusedByDefault() throws Exception {
        try (SmtpClient c = open()) {
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: lf\r\n\r\nline one\nline two\r\n.")).startsWith("554 5.6.0");
        }
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void bareLfCanBeNormalizedToCrlf() throws Exception {
        try (SmtpClient c = open(l -> l.withBareLf(Settings.BareLf.NORMALIZE))) {
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: lf\r\n\r\nline one\nline two\r\n.")).startsWith("250 ");
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains("line one\nline two\n");
    }

    /**
     * SMTP smuggling: "\n.\n" or "\n.\r\n" must not end the data, so a second message hidden inside the first
     * can never be accepted as its own transaction.
     */
    @Test
    void onlyCrlfDotCrlfEndsData() throws Exception {
        try (SmtpClient c = open(l -> l.withBareLf(Settings.BareLf.NORMALIZE))) {
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            c.send("Subject: outer\r\n\r\nouter body\n.\r\nMAIL FROM:<ceo@example.test>\r\n"
                    + "RCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
            assertThat(c.read()).startsWith("250 2.0.0");
        }
        assertThat(server.get().messages("bob@example.test")).isEmpty();
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains("Subject: smuggled");
    }

    @Test
    void nulInDataOrCommandIsRefused() throws Exception {
        try (SmtpClient c = open()) {
            c.sendRaw("NOOP a\0b\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.read()).startsWith("500 5.5.2");
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            c.sendRaw("Subject: nul\r\n\r\na\0b\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.read()).startsWith("554 5.6.0");
        }
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void overlongLineInDataRefusesTheMessage() throws Exception {
        try (SmtpClient c = open()) {
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: long\r\n\r\n" + "y".repeat(1200) + "\r\n.")).startsWith("500 5.5.2");
            envelope(c);
            assertThat(c.cmd("DATA")).startsWith("354");
            // 998 octets + CRLF after unstuffing: exactly at the limit, and dot-stuffed on the wire
            assertThat(c.cmd("Subject: edge\r\n\r\n." + ".".repeat(998) + "\r\n.")).startsWith("250 ");
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains(".".repeat(998) + "\n");
    }

    @Test
    void unknownCommandsAndBadSequenceHaveTheirCodes() throws Exception {
        server.start();
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            assertThat(c.cmd("MAIL FROM:<a@remote.test>")).startsWith("503 5.5.1");
            assertThat(c.cmd("XYZZY")).startsWith("500 5.5.1");
            assertThat(c.cmd("EHLO client.remote.test")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<alice@example.test>")).startsWith("503 5.5.1");
            assertThat(c.cmd("DATA")).startsWith("503 5.5.1");
            assertThat(c.cmd("MAIL FROM:<a@remote.test>")).startsWith("250 ");
            assertThat(c.cmd("MAIL FROM:<a@remote.test>")).startsWith("503 5.5.1");
            assertThat(c.cmd("MAIL FROM:<a@remote.test> FOO=BAR")).startsWith("503 5.5.1");
            assertThat(c.cmd("RSET")).startsWith("250 ");
            assertThat(c.cmd("MAIL FROM:<a@remote.test> FOO=BAR")).startsWith("555 5.5.4");
            assertThat(c.cmd("MAIL FROM:<not an address>")).startsWith("501 ");
            assertThat(c.cmd("VRFY alice")).startsWith("252 ");
            assertThat(c.cmd("HELP")).startsWith("214 ");
        }
    }

    @Test
    void tooManyErrorsCloseTheSession() throws Exception {
        try (SmtpClient c = open(l -> l.withMaxErrors(3))) {
            c.send("BOGUS1\r\nBOGUS2\r\nBOGUS3\r\nNOOP\r\n");
            assertThat(c.read()).startsWith("500 ");
            assertThat(c.read()).startsWith("500 ");
            assertThat(c.read()).startsWith("500 ");
            assertThat(c.read()).startsWith("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(server.get().events(Event.TooManyErrors.class)).hasSize(1);
    }

    @Test
    void connectionsOverTheListenerLimitAreRefusedWith421() throws Exception {
        server.start(dir -> TestServer.startWith(dir, c -> c.withMaxConnections(2)));
        try (SmtpClient a = new SmtpClient(server.get().smtpPort());
                SmtpClient b = new SmtpClient(server.get().smtpPort())) {
            assertThat(a.read()).startsWith("220 ");
            assertThat(b.read()).startsWith("220 ");
            try (SmtpClient third = new SmtpClient(server.get().smtpPort())) {
                assertThat(third.read()).startsWith("421 4.7.0").contains("Too many connections");
                assertThat(third.closedByServer()).isTrue();
            }
            assertThat(a.cmd("NOOP")).startsWith("250 "); // the admitted sessions are unaffected
        }
        assertThat(server.get().events(Event.ConnectionRefused.class)).singleElement()
                .extracting(Event.ConnectionRefused::reason).isEqualTo("too-many-connections");
        // slots free when sessions end: a new client is greeted again
        org.mailwarden.support.Await.until("a slot is free again", Duration.ofSeconds(10), () -> {
            try (SmtpClient again = new SmtpClient(server.get().smtpPort())) {
                return again.read().startsWith("220 ");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void nonAsciiAddressNeedsSmtputf8() throws Exception {
        try (SmtpClient c = open()) {
            assertThat(c.cmd("MAIL FROM:<jörg@remote.test>")).startsWith("553 5.6.7");
            assertThat(c.cmd("MAIL FROM:<jörg@remote.test> SMTPUTF8")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<alice@example.test>")).startsWith("250 ");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: grüße\r\n\r\nüber\r\n.")).startsWith("250 ");
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains("with UTF8SMTP id").contains("Subject: grüße");
    }
}
