package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;

/**
 * kill -9 mid-queue: a separate server JVM delivers queued mail to a receiver that holds its reply to some
 * messages' final dot; the server is killed with SIGKILL while those transactions are open. A new server on the
 * same data dir delivers every message exactly once: the ones already accepted are not sent again, the
 * interrupted ones are.
 */
class QueueCrashTest {

    private static final int MESSAGES = 12;
    private static final int ACCEPT_BEFORE_KILL = 4;

    @TempDir
    Path dir;

    @Test
    void killDuringDeliveryLosesNothingAndDuplicatesNothing() throws Exception {
        try (TestDns dns = new TestDns(); ScriptedReceiver rx = new ScriptedReceiver()) {
            dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.1");
            rx.holdAfter = ACCEPT_BEFORE_KILL;
            Path config = dir.resolve("config");
            Files.createDirectories(config);
            Files.writeString(config.resolve("mailwarden.conf"), """
                    listen.address = 127.0.0.1
                    hostname = mx.example.test
                    dns.server = %s
                    outbound.port = %d
                    queue.retry-initial = 200ms
                    queue.retry-max = 1s
                    """.formatted(dns.server(), rx.port()));
            Files.writeString(config.resolve("postfix-accounts.cf"), "alice@example.test|{PLAIN}x\n");
            // a forward: mail for fwd@example.test is queued for dave@remote.test
            Files.writeString(config.resolve("postfix-virtual.cf"), "fwd@example.test dave@remote.test\n");

            int port = ServerProcess.freePort();
            Process server = ServerProcess.start(dir, port);
            try (SmtpClient c = new SmtpClient(port)) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.remote.test");
                for (int i = 0; i < MESSAGES; i++) {
                    c.cmd("MAIL FROM:<sender@elsewhere.test>");
                    c.cmd("RCPT TO:<fwd@example.test>");
                    assertThat(c.cmd("DATA")).startsWith("354");
                    c.send("Subject: crash-" + i + "\r\n\r\nmessage " + i + "\r\n.\r\n");
                    assertThat(c.read()).startsWith("250 2.0.0");
                }
            }
            // some messages accepted, further transactions open and held; wait until every accepted message is
            // recorded as done by the server (its entry gone), then kill it in the middle of the held ones
            Await.until("accepted and held", Duration.ofSeconds(60),
                    () -> rx.accepted.size() == ACCEPT_BEFORE_KILL && rx.held.get() > 0);
            QueueDir q = new QueueDir(dir.resolve("state/queue"));
            Await.until("accepted ones recorded", Duration.ofSeconds(60),
                    () -> ids(q).size() == MESSAGES - ACCEPT_BEFORE_KILL);
            server.destroyForcibly();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isEqualTo(137);
            rx.release(); // held transactions end without a 250: not delivered

            Process again = ServerProcess.start(dir, ServerProcess.freePort());
            try {
                Await.until("queue drained", Duration.ofSeconds(60), () -> ids(q).isEmpty());
            } finally {
                again.destroyForcibly();
                again.waitFor(30, TimeUnit.SECONDS);
            }
            Map<String, Long> bySubject = rx.accepted.stream().map(a -> subject(a.data()))
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(bySubject).hasSize(MESSAGES);
            assertThat(bySubject.values()).allMatch(n -> n == 1);
        }
    }

    private static List<String> ids(QueueDir q) {
        try {
            return q.ids();
        } catch (IOException e) {
            return List.of("?");
        }
    }

    private static String subject(String data) {
        Matcher m = Pattern.compile("(?m)^Subject: (crash-\\d+)").matcher(data);
        return m.find() ? m.group(1) : "?";
    }
}
