package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.Await;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/**
 * A remote 250 to the message data is recorded the moment it arrives, before QUIT: a peer that never answers
 * QUIT (or a kill -9 while waiting for it) must not make the queue send the message a second time.
 */
class RecordBeforeQuitTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void theStateFileShowsDeliveredWhileQuitIsStillUnanswered() throws Exception {
        try (TestDns dns = Outbound.dns(); ScriptedReceiver rx = new ScriptedReceiver()) {
            rx.answerQuit = false;
            // outbound.timeout far beyond WAIT: QUIT cannot time out while the test looks
            try (TestServer local = Outbound.startLocal(dir.resolve("local"), "dns.server = " + dns.server()
                    + "\noutbound.port = " + rx.port() + "\noutbound.timeout = 300s\n")) {
                Outbound.submit(local, "alice@example.test", "dave@remote.test", "Only once", "body\n");
                QueueDir q = new QueueDir(dir.resolve("local/state/queue"));
                Await.until("QUIT sent, no reply", WAIT, () -> rx.quitsHeld.get() == 1);
                Await.until("delivered on disk before QUIT's reply", WAIT, () -> allDelivered(q));
                assertThat(rx.accepted).hasSize(1);

                rx.release();
                Await.until("queue empty", WAIT, () -> Outbound.ids(q).isEmpty());
                assertThat(rx.accepted).hasSize(1);
                assertThat(rx.connections.get()).isEqualTo(1);
            }
        }
    }

    @Test
    void killDuringQuitDoesNotSendTheMessageAgainAfterTheRestart() throws Exception {
        try (TestDns dns = Outbound.dns(); ScriptedReceiver rx = new ScriptedReceiver()) {
            rx.answerQuit = false;
            Outbound.forwarderDataDir(dir, dns, rx.port(), "outbound.timeout = 300s\n");

            int port = ServerProcess.freePort();
            Process server = ServerProcess.start(dir, port);
            try {
                Outbound.sendToForward(port, List.of("kill during QUIT"));
                Await.until("QUIT sent, no reply", WAIT, () -> rx.quitsHeld.get() == 1);
            } finally {
                server.destroyForcibly();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(server.exitValue()).isEqualTo(137);
            rx.release(); // from now on QUIT is answered

            Outbound.restartUntilDrained(dir, WAIT);
            assertThat(rx.accepted).hasSize(1);
        }
    }

    private static boolean allDelivered(QueueDir q) {
        List<String> ids = Outbound.ids(q);
        return !ids.isEmpty() && ids.stream().map(id -> load(q, id)).allMatch(e -> e.isPresent()
                && e.get().recipients().stream().allMatch(r -> r.status() == QueueEntry.Status.DELIVERED));
    }

    private static Optional<QueueEntry> load(QueueDir q, String id) {
        try {
            return q.load(id);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
