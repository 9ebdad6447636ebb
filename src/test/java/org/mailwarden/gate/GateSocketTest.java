package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;

/** The gate over real sockets: PROXY protocol, access lists, bans across listeners and restarts, per-IP limits. */
class GateSocketTest {

    @TempDir
    Path dir;

    static final String PROXIED = """
            proxy.trusted = 127.0.0.1
            listen.smtp.proxy-protocol = true
            listen.submission.proxy-protocol = true
            ban.maxretry = 3
            """;

    static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    /** Three unknown recipients from the client: the third bans it, and the ban closes this very connection. */
    static void failThreeTimes(SmtpClient c) throws Exception {
        assertThat(c.cmd("EHLO client.test")).startsWith("250");
        assertThat(c.cmd("MAIL FROM:<x@sender.test>")).startsWith("250");
        assertThat(c.cmd("RCPT TO:<nobody1@example.test>")).startsWith("550");
        assertThat(c.cmd("RCPT TO:<nobody2@example.test>")).startsWith("550");
        c.send("RCPT TO:<nobody3@example.test>\r\n");
        GateServer.untilClosed(c);
    }

    @Test
    void proxyV1AndV2ClientsAreBannedByTheirRealIp() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED)) {
            int smtp = s.port("smtp");
            try (SmtpClient c = GateServer.via(smtp, "203.0.113.7", 1)) {
                assertThat(c.read()).startsWith("220");
                failThreeTimes(c);
            }
            assertThat(s.gate().bans().isBanned(ip("203.0.113.7"))).isTrue();
            assertThat(s.events(Event.UnknownRecipient.class)).allMatch(e -> e.origin().ip().equals("203.0.113.7"));
            // refused on reconnect with that real IP, through either header version, on every listener
            for (int v : new int[] {1, 2}) {
                for (String l : new String[] {"smtp", "submission"}) {
                    try (SmtpClient c = GateServer.via(s.port(l), "203.0.113.7", v)) {
                        assertThat(c.read()).startsWith("421").contains("banned");
                    }
                }
            }
            // another client through the same proxy still gets in
            try (SmtpClient c = GateServer.via(smtp, "203.0.113.8", 2)) {
                assertThat(c.read()).startsWith("220");
            }

            // a v2 client (IPv6) banned by its /64, relay attempts this time
            try (SmtpClient c = GateServer.via(smtp, "2001:db8:7:7::1", 2)) {
                assertThat(c.read()).startsWith("220");
                assertThat(c.cmd("EHLO client.test")).startsWith("250");
                assertThat(c.cmd("MAIL FROM:<x@sender.test>")).startsWith("250");
                assertThat(c.cmd("RCPT TO:<a@elsewhere.test>")).startsWith("554");
                assertThat(c.cmd("RCPT TO:<b@elsewhere.test>")).startsWith("554");
                c.send("RCPT TO:<c@elsewhere.test>\r\n");
                GateServer.untilClosed(c);
            }
            try (SmtpClient c = GateServer.via(smtp, "2001:db8:7:7::2", 1)) {
                assertThat(c.read()).startsWith("421");
            }
            try (SmtpClient c = GateServer.via(smtp, "2001:db8:7:8::1", 1)) {
                assertThat(c.read()).startsWith("220");
            }
        }
    }

    @Test
    void proxyHeaderFromUntrustedPeerOrMissingHeaderIsRefused() throws Exception {
        try (GateServer s = GateServer.start(dir, """
                proxy.trusted = 192.0.2.1
                listen.smtp.proxy-protocol = true
                """)) {
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.7", 1)) {
                assertThat(GateServer.untilClosed(c)).as("no greeting at all").isEmpty();
            }
            Await.until("refusal event", Duration.ofSeconds(5), () -> s.events(Event.ConnectionRefused.class).stream()
                    .anyMatch(e -> e.reason().equals("proxy-untrusted") && e.origin().ip().equals("127.0.0.1")));
            assertThat(s.gate().registry().size()).isZero();
            // the submission listener takes no PROXY header: plain clients are served
            try (SmtpClient c = new SmtpClient(s.port("submission"))) {
                assertThat(c.read()).startsWith("220");
            }
        }
    }

    @Test
    void missingOrGarbledHeaderFromTrustedProxyIsRefused() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED)) {
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                c.send("EHLO client.test\r\n");
                assertThat(GateServer.untilClosed(c)).isEmpty();
            }
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                c.send("PROXY TCP4 1.2.3.4\r\n");
                assertThat(GateServer.untilClosed(c)).isEmpty();
            }
            Await.until("two refusals", Duration.ofSeconds(5), () -> s.events(Event.ConnectionRefused.class).stream()
                    .filter(e -> e.reason().equals("proxy-header-invalid")).count() == 2);
            // v2 LOCAL (a health check): the peer address is the client
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                c.sendRaw(ProxyProtocol.v2(null, null));
                assertThat(c.read()).startsWith("220");
                assertThat(c.cmd("EHLO client.test")).startsWith("250");
            }
            assertThat(s.events(Event.ConnectionOpened.class).getLast().origin().ip()).isEqualTo("127.0.0.1");
        }
    }

    /** A PROXY v2 PROXY-command header for AF_UNIX stream sockets with an address block of {@code len} bytes. */
    private static byte[] v2Unix(int len) {
        byte[] b = java.util.Arrays.copyOf(ProxyProtocol.v2(null, null), 16 + len);
        b[12] = 0x21; // version 2, PROXY
        b[13] = 0x31; // AF_UNIX, STREAM
        b[14] = (byte) (len >> 8);
        b[15] = (byte) len;
        return b;
    }

    @Test
    void proxyV2UnixNeedsItsWholeAddressBlock() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED)) {
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                c.sendRaw(v2Unix(12)); // an AF_INET-sized block: not the 216 bytes of two Unix paths
                assertThat(GateServer.untilClosed(c)).as("no greeting").isEmpty();
            }
            Await.until("refused", Duration.ofSeconds(5), () -> s.events(Event.ConnectionRefused.class).stream()
                    .anyMatch(e -> e.reason().equals("proxy-header-invalid")));
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                c.sendRaw(v2Unix(216)); // a complete one: the peer (the proxy) stands for the client
                assertThat(c.read()).startsWith("220");
                assertThat(c.cmd("EHLO client.test")).startsWith("250");
            }
        }
    }

    @Test
    void globalAllowListRefusesOnSmtpAndSubmissionAtEveryAttempt() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED + "access.allow = 198.51.100.0/24\n")) {
            for (String l : new String[] {"smtp", "submission"}) {
                for (int attempt = 0; attempt < 3; attempt++) {
                    try (SmtpClient c = GateServer.via(s.port(l), "203.0.113.5", 1 + attempt % 2)) {
                        assertThat(c.read()).as(l + " attempt " + attempt).startsWith("421")
                                .contains("not-in-allow-list");
                    }
                    assertThat(s.gate().checkLogin(ip("203.0.113.5"), "alice@example.test",
                            listener(s, l)).allowed()).isFalse();
                }
                try (SmtpClient c = GateServer.via(s.port(l), "198.51.100.20", 2)) {
                    assertThat(c.read()).startsWith("220");
                    assertThat(c.cmd("EHLO client.test")).startsWith("250");
                }
                assertThat(s.gate().checkLogin(ip("198.51.100.20"), "alice@example.test", listener(s, l)).allowed())
                        .isTrue();
            }
        }
    }

    static org.mailwarden.config.ListenerConfig listener(GateServer s, String name) {
        return s.server.config().listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void banClosesOpenConnectionOnAnotherListener() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED)) {
            try (SmtpClient sub = GateServer.via(s.port("submission"), "203.0.113.40", 1)) {
                assertThat(sub.read()).startsWith("220");
                assertThat(sub.cmd("EHLO client.test")).startsWith("250");
                // failed logins on another protocol (AUTH is not built yet: the events a protocol would emit)
                for (int i = 0; i < 3; i++) {
                    s.server.events().emit(new Event.AuthFailure(new Event.Origin("imap", "imap", "203.0.113.40"),
                            "S" + i, "alice@example.test", "PLAIN", "bad-password"));
                }
                assertThat(GateServer.untilClosed(sub)).doesNotContain("250");
            }
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.40", 2)) {
                assertThat(c.read()).startsWith("421");
            }
        }
    }

    @Test
    void banSurvivesRestart() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED)) {
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.60", 1)) {
                assertThat(c.read()).startsWith("220");
                failThreeTimes(c);
            }
        }
        try (GateServer s = GateServer.start(dir, "")) {
            assertThat(s.gate().bans().isBanned(ip("203.0.113.60"))).isTrue();
            try (SmtpClient c = GateServer.via(s.port("submission"), "203.0.113.60", 2)) {
                assertThat(c.read()).startsWith("421").contains("banned");
            }
        }
    }

    @Test
    void ignoreListIsNeverBanned() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED + "ban.ignore = 127.0.0.1, 203.0.113.0/24\n")) {
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.77", 1)) {
                assertThat(c.read()).startsWith("220");
                assertThat(c.cmd("EHLO client.test")).startsWith("250");
                assertThat(c.cmd("MAIL FROM:<x@sender.test>")).startsWith("250");
                for (int i = 0; i < 8; i++) {
                    assertThat(c.cmd("RCPT TO:<nobody" + i + "@example.test>")).startsWith("550");
                }
                assertThat(c.cmd("NOOP")).startsWith("250");
            }
            assertThat(s.gate().bans().bans()).isEmpty();
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.77", 2)) {
                assertThat(c.read()).startsWith("220");
            }
        }
    }

    @Test
    void loopbackIsIgnoredByDefault() throws Exception {
        try (GateServer s = GateServer.start(dir, "ban.maxretry = 2\n")) {
            for (int i = 0; i < 5; i++) {
                s.server.events().emit(new Event.AuthFailure(new Event.Origin("smtp", "submission", "127.0.0.1"),
                        "S", "bob@example.test", "PLAIN", "bad-password"));
            }
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                assertThat(c.read()).startsWith("220");
            }
            assertThat(s.gate().bans().bans()).isEmpty();
        }
    }

    @Test
    void perIpConnectionAndRateLimitsAnswerWithAProtocolError() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED + """
                limits.max-connections-per-ip = 2
                limits.connection-rate = 4/1h
                """)) {
            int smtp = s.port("smtp");
            SmtpClient a = GateServer.via(smtp, "203.0.113.90", 1);
            SmtpClient b = GateServer.via(s.port("submission"), "203.0.113.90", 2);
            assertThat(a.read()).startsWith("220");
            assertThat(b.read()).startsWith("220");
            try (SmtpClient c = GateServer.via(smtp, "203.0.113.90", 1)) {
                assertThat(c.read()).startsWith("421").contains("too-many-connections-from-ip");
            }
            try (SmtpClient other = GateServer.via(smtp, "203.0.113.91", 1)) {
                assertThat(other.read()).startsWith("220");
            }
            a.cmd("QUIT");
            a.close();
            Await.until("slot released", Duration.ofSeconds(5), () -> s.gate().openFrom(ip("203.0.113.90")) == 1);
            try (SmtpClient c = GateServer.via(smtp, "203.0.113.90", 2)) { // 4th attempt within the hour
                assertThat(c.read()).startsWith("220");
            }
            b.close();
            Await.until("slots released", Duration.ofSeconds(5), () -> s.gate().openFrom(ip("203.0.113.90")) == 0);
            try (SmtpClient c = GateServer.via(smtp, "203.0.113.90", 1)) { // 5th attempt: over the rate
                assertThat(c.read()).startsWith("421").contains("connection-rate-limit");
            }
        }
    }
}
