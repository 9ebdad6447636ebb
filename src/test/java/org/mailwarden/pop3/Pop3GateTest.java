package org.mailwarden.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.SecurityGate;
import org.mailwarden.server.MailServer;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.SmtpClient;

/**
 * POP3 is a listener like the others: its failed logins are typed auth-failure events for the one ban engine, and
 * the ban they earn refuses the IP on every port (IMAP and SMTP here), with the real security gate in front.
 */
class Pop3GateTest {

    @TempDir
    Path dir;

    private MailServer start() throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("postfix-accounts.cf"),
                "alice@example.test|" + PasswordHashes.hash("secret-alice".toCharArray()) + "\n");
        // loopback is not exempt here (it is by default), so the test client can be banned
        Files.writeString(config.resolve(ServerConfig.CONFIG_FILE), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                smtp.greet-wait = 0
                auth.failure-delay = 10ms
                dns.server = 127.0.0.1:9
                mailauth.enabled = 0
                pop3.enabled = 1
                ban.ignore =
                ban.maxretry = 3
                """);
        ServerConfig c = ServerConfig.load(dir, null, null, new ServerConfig.Ports(0, 0, 0, 0, 0, 0, 0), Map.of());
        return new MailServer(c, new EventBus(), Clock.systemUTC()).start();
    }

    @Test
    void wrongPop3PasswordsBanTheIpOnImapAndSmtpToo() throws Exception {
        try (MailServer s = start()) {
            List<Event> events = new CopyOnWriteArrayList<>();
            s.events().subscribe(events::add);
            InetAddress loopback = InetAddress.ofLiteral("127.0.0.1");
            try (Pop3Client c = new Pop3Client(s.port("pop3s"), true)) {
                c.line();
                for (int i = 0; i < 2; i++) {
                    c.cmd("USER alice@example.test");
                    assertThat(c.cmd("PASS wrong" + i)).isEqualTo("-ERR [AUTH] Authentication failed.");
                }
            }
            assertThat(((SecurityGate) s.gate()).bans().isBanned(loopback)).isFalse();
            try (Pop3Client c = new Pop3Client(s.port("pop3"), false)) {
                c.line();
                c.stls();
                c.cmd("AUTH PLAIN " + java.util.Base64.getEncoder().encodeToString(
                        "\0alice@example.test\0wrong2".getBytes()));
                // the third failure bans, and the ban may close this session before its answer
            }
            Await.until("the POP3 offender banned", Duration.ofSeconds(10),
                    () -> ((SecurityGate) s.gate()).bans().isBanned(loopback));
            assertThat(events).filteredOn(Event.AuthFailure.class::isInstance).map(Event.AuthFailure.class::cast)
                    .extracting(e -> e.origin().proto(), Event.AuthFailure::mechanism)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("pop3", "USER"),
                            org.assertj.core.groups.Tuple.tuple("pop3", "USER"),
                            org.assertj.core.groups.Tuple.tuple("pop3", "PLAIN"));

            try (ImapClient c = new ImapClient(s.port("imap"), false)) {
                assertThat(c.line()).startsWith("* BYE").contains("banned");
            }
            for (String smtp : List.of("smtp", "submission")) {
                try (SmtpClient c = new SmtpClient(s.port(smtp))) {
                    assertThat(c.read()).as(smtp).startsWith("421").contains("banned");
                }
            }
            try (Pop3Client c = new Pop3Client(s.port("pop3"), false)) {
                assertThat(c.line()).startsWith("-ERR [SYS/TEMP] Connection refused").contains("banned");
                assertThat(c.closedByServer()).isTrue();
            }
            assertThat(events).filteredOn(Event.ConnectionRefused.class::isInstance)
                    .map(e -> ((Event.ConnectionRefused) e).origin().proto())
                    .containsExactly("imap", "smtp", "submission", "pop3");
        }
    }
}
