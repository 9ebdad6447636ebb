package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.events.Event;
import org.mailwarden.support.SmtpClient;

/** SMTP AUTH goes through the gate: failures ban by the real client IP, account networks hold on login. */
class AuthGateTest {

    @TempDir
    Path dir;

    @BeforeEach
    void accounts() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/postfix-accounts.cf"),
                "alice@example.test|" + PasswordHashes.hash("secret-alice".toCharArray()) + "\n"
                        + "bob@example.test|" + PasswordHashes.hash("secret-bob".toCharArray()) + "\n");
        Files.writeString(dir.resolve("config/mailwarden-account-networks.cf"), "bob@example.test 10.9.9.0/24\n");
    }

    private static SmtpClient submission(GateServer s, String realIp) throws Exception {
        SmtpClient c = GateServer.via(s.port("submission"), realIp, 2);
        assertThat(c.read()).startsWith("220");
        assertThat(c.cmd("EHLO laptop.test")).startsWith("250");
        c.startTls();
        assertThat(c.cmd("EHLO laptop.test")).startsWith("250");
        return c;
    }

    @Test
    void failedSmtpLoginsBanTheRealClientIpOnEveryListener() throws Exception {
        try (GateServer s = GateServer.start(dir, GateSocketTest.PROXIED)) {
            for (int i = 0; i < 2; i++) {
                try (SmtpClient c = submission(s, "198.51.100.20")) {
                    assertThat(c.authPlain("alice@example.test", "guess" + i)).startsWith("535 5.7.8");
                }
            }
            try (SmtpClient c = submission(s, "198.51.100.20")) {
                c.send("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString(
                        "\0alice@example.test\0guess3".getBytes()) + "\r\n");
                GateServer.untilClosed(c); // the third failure bans, and the ban closes this session
            }
            assertThat(s.gate().bans().isBanned(InetAddress.ofLiteral("198.51.100.20"))).isTrue();
            // the ban closes the socket while the third event is still being delivered to subscribers
            org.mailwarden.support.Await.until("third auth-failure event", java.time.Duration.ofSeconds(10),
                    () -> s.events(Event.AuthFailure.class).size() == 3);
            assertThat(s.events(Event.AuthFailure.class)).hasSize(3)
                    .allSatisfy(e -> assertThat(e.origin().ip()).isEqualTo("198.51.100.20"));
            for (String listener : new String[] {"smtp", "submission"}) {
                try (SmtpClient c = GateServer.via(s.port(listener), "198.51.100.20", 1)) {
                    assertThat(c.read()).startsWith("421").contains("banned");
                }
            }
            // the right password does not help a banned IP, and the owner elsewhere is unaffected
            try (SmtpClient c = submission(s, "198.51.100.21")) {
                assertThat(c.authPlain("alice@example.test", "secret-alice")).startsWith("235 2.7.0");
            }
        }
    }

    @Test
    void anAccountRestrictedToANetworkCannotLogInFromAnotherEvenWithItsPassword() throws Exception {
        try (GateServer s = GateServer.start(dir, GateSocketTest.PROXIED)) {
            try (SmtpClient c = submission(s, "198.51.100.30")) {
                assertThat(c.authPlain("bob@example.test", "secret-bob")).startsWith("535 5.7.8");
            }
            try (SmtpClient c = submission(s, "10.9.9.5")) {
                assertThat(c.authPlain("bob@example.test", "secret-bob")).startsWith("235 2.7.0");
            }
            assertThat(s.events(Event.AuthFailure.class)).singleElement().satisfies(e -> {
                assertThat(e.reason()).isEqualTo("account-network");
                assertThat(e.user()).isEqualTo("bob@example.test");
            });
        }
    }

    @Test
    void withFail2banBlocktypeDropABannedClientIsClosedWithoutAWord() throws Exception {
        try (GateServer s = GateServer.start(dir, GateSocketTest.PROXIED + "ban.blocktype = drop\n")) {
            s.gate().bans().ban(InetAddress.ofLiteral("198.51.100.40"), java.time.Duration.ofHours(1), "manual");
            try (SmtpClient c = GateServer.via(s.port("smtp"), "198.51.100.40", 1)) {
                assertThat(GateServer.untilClosed(c)).isEmpty();
            }
            try (SmtpClient c = GateServer.via(s.port("smtp"), "198.51.100.41", 1)) {
                assertThat(c.read()).startsWith("220");
            }
        }
    }
}
