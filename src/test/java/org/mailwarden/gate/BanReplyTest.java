package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.events.Event;
import org.mailwarden.support.SmtpClient;

/**
 * An event that bans the client at once (pregreet and unauthorized pipelining weigh ban.maxretry by default) must
 * not cut off the reply the session is writing for it: the client gets the documented 554, then the close.
 */
class BanReplyTest {

    private static final String CONFIG = """
            proxy.trusted = 127.0.0.1
            listen.smtp.proxy-protocol = true
            smtp.greet-wait = 500ms
            """;

    @TempDir
    Path dir;

    @Test
    void aPregreetClientIsBannedAndStillGetsItsReply() throws Exception {
        try (GateServer s = GateServer.start(dir, CONFIG)) {
            String got;
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.8", 1)) {
                c.send("EHLO impatient.bot.test\r\n"); // before the greeting is complete
                got = GateServer.untilClosed(c);
            }
            assertThat(got).startsWith("220-").contains("\r\n554 5.5.1 ").endsWith("\r\n");
            assertThat(s.gate().bans().isBanned(InetAddress.ofLiteral("203.0.113.8"))).isTrue();
            assertThat(s.events(Event.Pregreet.class)).hasSize(1);
        }
    }

    @Test
    void unauthorizedPipeliningFromAFreshIpIsBannedAndStillGetsItsReply() throws Exception {
        try (GateServer s = GateServer.start(dir, CONFIG)) {
            String got;
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.9", 1)) {
                assertThat(c.read()).startsWith("220 "); // waited for the whole greeting
                c.send("HELO bot.test\r\nMAIL FROM:<a@remote.test>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n");
                got = GateServer.untilClosed(c);
            }
            assertThat(got).startsWith("250 ").contains("\r\n554 5.5.0 ").endsWith("\r\n");
            assertThat(s.gate().bans().isBanned(InetAddress.ofLiteral("203.0.113.9"))).isTrue();
            assertThat(s.events(Event.UnauthPipelining.class)).hasSize(1);
        }
    }

    @Test
    void theUnknownRecipientThatBansStillGetsIts550() throws Exception {
        try (GateServer s = GateServer.start(dir, CONFIG)) {
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.10", 1)) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO guesser.test");
                c.cmd("MAIL FROM:<a@remote.test>");
                for (int i = 1; i < 5; i++) {
                    assertThat(c.cmd("RCPT TO:<nobody" + i + "@example.test>")).startsWith("550 5.1.1");
                }
                c.send("RCPT TO:<nobody5@example.test>\r\n"); // weight 5 of ban.maxretry 5
                assertThat(GateServer.untilClosed(c)).startsWith("550 5.1.1 ");
            }
            assertThat(s.gate().bans().isBanned(InetAddress.ofLiteral("203.0.113.10"))).isTrue();
        }
    }
}
