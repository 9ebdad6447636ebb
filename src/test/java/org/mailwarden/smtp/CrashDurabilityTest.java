package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.SmtpClient;

/**
 * "250 means on disk": a separate server JVM is killed with SIGKILL the moment it answers 250 to DATA, and
 * every acknowledged message is intact when a new server starts on the same data dir.
 */
class CrashDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void acknowledgedMessagesSurviveKill9() throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), "listen.address = 127.0.0.1\nhostname = mx.example.test\nsmtp.greet-wait = 0\ndns.server = 127.0.0.1:9\nmailauth.enabled = 0\n");
        Files.writeString(config.resolve("postfix-accounts.cf"), "alice@example.test|{PLAIN}x\n");

        List<String> bodies = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            int port = ServerProcess.freePort();
            Process server = ServerProcess.start(dir, port);
            try (SmtpClient c = new SmtpClient(port)) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.remote.test");
                for (int i = 0; i < 5; i++) {
                    String body = "round " + round + " message " + i + "\r\n" + ("x".repeat(76) + "\r\n").repeat(60 * i);
                    c.cmd("MAIL FROM:<sender@remote.test>");
                    c.cmd("RCPT TO:<alice@example.test>");
                    assertThat(c.cmd("DATA")).startsWith("354");
                    c.send("Subject: r" + round + "m" + i + "\r\n\r\n" + body + ".\r\n");
                    String reply = c.read();
                    if (i == 4) {
                        // SIGKILL at once: no shutdown hook, no flush, nothing after the 250 runs
                        server.destroyForcibly();
                    }
                    assertThat(reply).startsWith("250 2.0.0");
                    bodies.add(body.replace("\r\n", "\n"));
                }
            } finally {
                server.destroyForcibly();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(server.exitValue()).isEqualTo(137); // 128 + SIGKILL
        }

        // a new server on the same data dir: every acknowledged message is there, whole
        int port = ServerProcess.freePort();
        Process server = ServerProcess.start(dir, port);
        try {
            List<String> stored = new ArrayList<>();
            Path inbox = dir.resolve("mail/example.test/alice/new");
            try (Stream<Path> s = Files.list(inbox)) {
                for (Path f : s.toList()) {
                    stored.add(Files.readString(f));
                }
            }
            assertThat(stored).hasSize(bodies.size());
            for (String body : bodies) {
                assertThat(stored).anySatisfy(m -> assertThat(m).endsWith("\n\n" + body));
            }
            try (Stream<Path> s = Files.list(dir.resolve("mail/example.test/alice/tmp"))) {
                assertThat(s.toList()).isEmpty();
            }
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
