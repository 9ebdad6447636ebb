package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        Files.writeString(config.resolve("mailwarden.conf"), "listen.address = 127.0.0.1\nhostname = mx.example.test\nsmtp.greet-wait = 0\ndns.server = 127.0.0.1:9\n");
        Files.writeString(config.resolve("postfix-accounts.cf"), "alice@example.test|{PLAIN}x\n");

        List<String> bodies = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            int port = freePort();
            Process server = startServer(port);
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
        int port = freePort();
        Process server = startServer(port);
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

    private Process startServer(int port) throws Exception {
        String java = System.getProperty("mailwarden.test.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "-cp", cp, "org.mailwarden.cli.Main", "serve", "--no-demo",
                "--data-dir", dir.toString(), "--smtp-port", Integer.toString(port), "--submission-port", "0",
                "--submissions-port", "0", "--imap-port", "0", "--imaps-port", "0")
                .redirectErrorStream(true).start();
        // wait for the listening line, not for a fixed time
        CompletableFuture<Boolean> up = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains("event=listening listener=smtp")) {
                        up.complete(true);
                    }
                }
            } catch (IOException ignored) {
                // process killed
            }
            up.complete(false);
        });
        assertThat(up.get(60, TimeUnit.SECONDS)).as("server started").isTrue();
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
