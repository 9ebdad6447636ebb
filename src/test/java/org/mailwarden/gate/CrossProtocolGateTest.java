package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.SmtpClient;

/**
 * The docker-mailserver failures this project exists to fix, tested end to end with real clients behind a
 * PROXY-speaking proxy: one allow-list holds on submission AND IMAP, and abuse on one protocol bans on the other.
 */
class CrossProtocolGateTest {

    static final String PROXIED_ALL = GateSocketTest.PROXIED + """
            listen.imap.proxy-protocol = true
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void accounts() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/postfix-accounts.cf"),
                "alice@example.test|" + PasswordHashes.hash("secret-alice".toCharArray()) + "\n");
    }

    private static ImapClient imap(GateServer s, String realIp) throws Exception {
        byte[] header = ProxyProtocol.v2(new InetSocketAddress(InetAddress.ofLiteral(realIp), 40000),
                new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), s.port("imap")));
        return new ImapClient(s.port("imap"), false, header);
    }

    private static SmtpClient submissionOverTls(GateServer s, String realIp) throws Exception {
        SmtpClient c = GateServer.via(s.port("submission"), realIp, 1);
        assertThat(c.read()).startsWith("220");
        c.cmd("EHLO laptop.test");
        c.startTls();
        c.cmd("EHLO laptop.test");
        return c;
    }

    @Test
    void aGlobalAllowListHoldsOnSubmissionAndImapAtEveryAttempt() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED_ALL + "access.allow = 198.51.100.0/24\n")) {
            for (int attempt = 0; attempt < 3; attempt++) {
                try (SmtpClient c = GateServer.via(s.port("submission"), "203.0.113.5", 1)) {
                    assertThat(c.read()).as("submission attempt " + attempt).startsWith("421")
                            .contains("not-in-allow-list");
                }
                try (ImapClient c = imap(s, "203.0.113.5")) {
                    assertThat(c.line()).as("imap attempt " + attempt).startsWith("* BYE")
                            .contains("not-in-allow-list");
                }
            }
            try (SmtpClient c = submissionOverTls(s, "198.51.100.20")) {
                assertThat(c.authPlain("alice@example.test", "secret-alice")).startsWith("235");
            }
            try (ImapClient c = imap(s, "198.51.100.20")) {
                assertThat(c.line()).startsWith("* OK");
                c.startTls();
                c.login("alice@example.test", "secret-alice");
            }
        }
    }

    @Test
    void failedSmtpLoginsBanOnImapAndFailedImapLoginsBanOnSmtp() throws Exception {
        try (GateServer s = GateServer.start(dir, PROXIED_ALL)) {
            // three SMTP AUTH failures ...
            for (int i = 0; i < 3; i++) {
                try (SmtpClient c = submissionOverTls(s, "198.51.100.50")) {
                    c.send("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString(
                            ("\0alice@example.test\0wrong" + i).getBytes()) + "\r\n");
                    c.read();
                }
            }
            Await.until("SMTP offender banned", Duration.ofSeconds(10),
                    () -> s.gate().bans().isBanned(InetAddress.ofLiteral("198.51.100.50")));
            // ... and IMAP refuses that IP, while another still logs in
            try (ImapClient c = imap(s, "198.51.100.50")) {
                assertThat(c.line()).startsWith("* BYE").contains("banned");
            }

            // the reverse: three IMAP LOGIN failures ...
            for (int i = 0; i < 3; i++) {
                try (ImapClient c = imap(s, "198.51.100.60")) {
                    assertThat(c.line()).startsWith("* OK");
                    c.startTls();
                    List<String> r = c.command("LOGIN alice@example.test wrong" + i);
                    if (i < 2) {
                        assertThat(String.join("\n", r)).contains("AUTHENTICATIONFAILED");
                    } // the third failure bans, and the ban may close the session before its answer
                }
            }
            Await.until("IMAP offender banned", Duration.ofSeconds(10),
                    () -> s.gate().bans().isBanned(InetAddress.ofLiteral("198.51.100.60")));
            // ... and SMTP (both ports) refuses it
            for (String l : new String[] {"smtp", "submission"}) {
                try (SmtpClient c = GateServer.via(s.port(l), "198.51.100.60", 2)) {
                    assertThat(c.read()).startsWith("421").contains("banned");
                }
            }
            assertThat(s.events(Event.AuthFailure.class)).extracting(e -> e.origin().proto())
                    .contains("submission", "imap");
            try (ImapClient c = imap(s, "198.51.100.61")) {
                assertThat(c.line()).startsWith("* OK");
                c.startTls();
                c.login("alice@example.test", "secret-alice");
            }
        }
    }
}
