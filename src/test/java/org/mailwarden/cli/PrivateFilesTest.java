package org.mailwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.Await;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.SmtpClient;

/**
 * Mail, password hashes and state are for the server's user alone: after `serve` on an empty data dir (the demo
 * account), `email add`, a queued message and a ban, every such file is 0600 and every such directory 0700.
 */
class PrivateFilesTest {

    private static final String FILE = "rw-------";
    private static final String DIR = "rwx------";

    @TempDir
    Path dir;

    @Test
    void hashesQueuedMailBansAndAdminFilesAreOwnerOnly() throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                relay.trusted-networks = 127.0.0.1/32
                dns.server = 127.0.0.1:9
                mailauth.enabled = 0
                outbound.timeout = 1s
                queue.retry-initial = 1h
                """);
        int port = ServerProcess.freePort();
        Process server = ServerProcess.start(dir, port, true);
        try {
            Path accounts = config.resolve("postfix-accounts.cf");
            assertThat(mode(accounts)).isEqualTo(FILE);
            assertThat(mode(dir.resolve("demo-credentials.txt"))).isEqualTo(FILE);

            assertThat(Main.commandLine().execute("email", "add", "bob@example.test", "pw", "--data-dir",
                    dir.toString())).isZero();
            assertThat(Files.readString(accounts)).contains("bob@example.test|");
            assertThat(mode(accounts)).isEqualTo(FILE);
            assertThat(mode(config.resolve("postfix-accounts.cf.bak"))).isEqualTo(FILE);

            try (SmtpClient c = new SmtpClient(port)) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.example.test");
                assertThat(c.cmd("MAIL FROM:<bob@example.test>")).startsWith("250");
                assertThat(c.cmd("RCPT TO:<someone@remote.test>")).startsWith("250");
                assertThat(c.cmd("DATA")).startsWith("354");
                c.send("Subject: private\r\n\r\nsecret\r\n.\r\n");
                assertThat(c.read()).startsWith("250 2.0.0");
            }
            Path queue = dir.resolve("state/queue");
            Await.until("first attempt recorded", Duration.ofSeconds(30), () -> names(queue).stream()
                    .anyMatch(n -> n.endsWith(".state")));
            assertThat(names(queue)).anyMatch(n -> n.endsWith(".eml")).anyMatch(n -> n.endsWith(".env"));
            for (String n : names(queue)) {
                assertThat(mode(queue.resolve(n))).as(n).isEqualTo(n.equals("tmp") ? DIR : FILE);
            }
            assertThat(mode(queue)).isEqualTo(DIR);
            assertThat(mode(dir.resolve("state"))).isEqualTo(DIR);

            assertThat(Main.commandLine().execute("fail2ban", "ban", "203.0.113.7", "--data-dir",
                    dir.toString())).isZero();
            for (String n : List.of("bans", "admin.port", "admin.token")) {
                assertThat(mode(dir.resolve("state").resolve(n))).as(n).isEqualTo(FILE);
            }
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<String> names(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
