package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.Await;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.TestDns;

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
        try (TestDns dns = Outbound.dns(); ScriptedReceiver rx = new ScriptedReceiver()) {
            rx.holdAfter = ACCEPT_BEFORE_KILL;
            Outbound.forwarderDataDir(dir, dns, rx.port(), "");

            int port = ServerProcess.freePort();
            Process server = ServerProcess.start(dir, port);
            Outbound.sendToForward(port, IntStream.range(0, MESSAGES).mapToObj(i -> "crash-" + i).toList());
            // some messages accepted, further transactions open and held; wait until every accepted message is
            // recorded as done by the server (its entry gone), then kill it in the middle of the held ones
            Await.until("accepted and held", Duration.ofSeconds(60),
                    () -> rx.accepted.size() == ACCEPT_BEFORE_KILL && rx.held.get() > 0);
            QueueDir q = new QueueDir(dir.resolve("state/queue"));
            Await.until("accepted ones recorded", Duration.ofSeconds(60),
                    () -> Outbound.ids(q).size() == MESSAGES - ACCEPT_BEFORE_KILL);
            server.destroyForcibly();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isEqualTo(137);
            rx.release(); // held transactions end without a 250: not delivered

            Outbound.restartUntilDrained(dir, Duration.ofSeconds(60));
            Map<String, Long> bySubject = rx.accepted.stream().map(a -> subject(a.data()))
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(bySubject).hasSize(MESSAGES);
            assertThat(bySubject.values()).allMatch(n -> n == 1);
        }
    }

    private static String subject(String data) {
        Matcher m = Pattern.compile("(?m)^Subject: (crash-\\d+)").matcher(data);
        return m.find() ? m.group(1) : "?";
    }
}
