package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailwarden.support.Await;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestDns;

/**
 * kill -9 in the middle of the delivery pipeline's commit for a message with several destinations (team@ is alice,
 * bob and dave@remote.test): a server JVM with a fault-injection hook ({@code mailwarden.test.fault=POINT:park})
 * stops at that point of the commit and is killed there. The message was never acknowledged, yet it is not lost:
 * a new server on the same data dir redoes what the commit record does not record as done, and every recipient
 * gets it exactly once, the local copies found by name where they were already made. (The spool file the crash
 * left in the first mailbox's tmp/ is a Maildir leftover like any other, removed after 36 hours.)
 */
class CommitRecordCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"AFTER_RECORD", "AFTER_FIRST_MAILBOX", "AFTER_MAILBOXES"})
    void killedMidCommitEveryRecipientGetsTheMessageExactlyOnce(String point) throws Exception {
        try (TestDns dns = Outbound.dns(); ScriptedReceiver rx = new ScriptedReceiver()) {
            Outbound.forwarderDataDir(dir, dns, rx.port(), "");
            Files.writeString(dir.resolve("config/postfix-accounts.cf"),
                    "alice@example.test|{PLAIN}x\nbob@example.test|{PLAIN}x\n");
            Files.writeString(dir.resolve("config/postfix-virtual.cf"),
                    "team@example.test alice@example.test,bob@example.test,dave@remote.test\n");

            int port = ServerProcess.freePort();
            AtomicBoolean parked = new AtomicBoolean();
            Process server = ServerProcess.start(dir, port, 0, List.of("-Dmailwarden.test.fault=" + point + ":park"),
                    line -> parked.compareAndSet(false, line.contains("event=fault-parked point=" + point)));
            try (SmtpClient c = new SmtpClient(port)) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.remote.test");
                c.cmd("MAIL FROM:<sender@elsewhere.test>");
                assertThat(c.cmd("RCPT TO:<team@example.test>")).startsWith("250 ");
                assertThat(c.cmd("DATA")).startsWith("354");
                c.send("Subject: crash at " + point + "\r\n\r\nfor the team\r\n.\r\n");
                Await.until("the server parked at " + point, WAIT, parked::get);
                server.destroyForcibly(); // SIGKILL: nothing after this point of the commit runs
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(reply(c)).doesNotStartWith("250"); // never acknowledged
            } finally {
                server.destroyForcibly();
            }
            assertThat(server.exitValue()).isEqualTo(137);
            assertThat(rx.accepted).isEmpty();

            Outbound.restartUntilDrained(dir, WAIT);
            for (String user : List.of("alice", "bob")) {
                List<String> got = messages(dir.resolve("mail/example.test/" + user));
                assertThat(got).as(user).singleElement().asString().contains("Subject: crash at " + point)
                        .contains("for the team");
            }
            assertThat(rx.accepted).singleElement().satisfies(a -> {
                assertThat(a.rcpts()).containsExactly("<dave@remote.test>");
                assertThat(a.data()).contains("Subject: crash at " + point);
            });
        }
    }

    private static String reply(SmtpClient c) {
        try {
            return c.read();
        } catch (IOException e) {
            return ""; // reset by the dying server
        }
    }

    /** The messages in a maildir's new/ and cur/. */
    private static List<String> messages(Path maildir) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            for (Path f : files(maildir.resolve(sub))) {
                out.add(Files.readString(f));
            }
        }
        return out;
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
