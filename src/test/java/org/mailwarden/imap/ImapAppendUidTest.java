package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.TestServerExtension;

/**
 * UIDs are unique, ascending and never change (RFC 3501 2.3.1.1), whatever the concurrency and after a crash: many
 * sessions APPEND to a folder none of them has selected (so the folder's index is opened and closed under them all
 * the time), and every APPENDUID must name the message that FETCH later shows under that UID.
 */
class ImapAppendUidTest {

    private static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID (\\d+) (\\d+)]");
    private static final Pattern FETCHED = Pattern.compile("UID (\\d+) .*X-Test-Id: (t\\d+-\\d+)", Pattern.DOTALL);

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @TempDir
    Path crashDir;

    /** One appending session: returns when {@code stop} is set, {@code count} messages are in, or the link drops. */
    private static void appender(int port, String user, String password, int thread, int count, AtomicBoolean stop,
            Map<Long, String> acknowledged, Set<Long> validities, AtomicInteger failures) {
        try (ImapClient c = new ImapClient(port, true)) {
            c.line();
            c.login(user, password);
            for (int i = 0; i < count && !stop.get(); i++) {
                String id = "t" + thread + "-" + i;
                String msg = "X-Test-Id: " + id + "\r\nSubject: append " + id + "\r\n\r\nbody of " + id + "\r\n";
                String tag = c.nextTag();
                c.send(tag + " APPEND Archive {" + msg.getBytes(StandardCharsets.UTF_8).length + "+}\r\n" + msg + "\r\n");
                List<String> reply = c.until(tag);
                String last = reply.getLast();
                Matcher m = APPENDUID.matcher(last);
                if (!m.find()) {
                    if (!last.equals("<EOF>")) {
                        failures.incrementAndGet();
                        System.err.println("APPEND refused: " + last);
                    }
                    return;
                }
                validities.add(Long.parseLong(m.group(1)));
                String before = acknowledged.putIfAbsent(Long.parseLong(m.group(2)), id);
                if (before != null) {
                    failures.incrementAndGet();
                    System.err.println("UID " + m.group(2) + " given to " + id + " and to " + before);
                }
            }
        } catch (IOException e) {
            // the server was killed under us: what was acknowledged is in the map
        }
    }

    private static List<Thread> appenders(int port, String password, int threads, int count, AtomicBoolean stop,
            Map<Long, String> acknowledged, Set<Long> validities, AtomicInteger failures) throws IOException {
        // the account's first login creates its folders (Archive among them); then the appenders start at once
        try (ImapClient first = ImapClient.loggedIn(port, "alice@example.test", password)) {
            assertThat(first.command("LOGOUT")).isNotEmpty();
        }
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            all.add(Thread.ofVirtual().start(() -> appender(port, "alice@example.test", password, thread, count, stop,
                    acknowledged, validities, failures)));
        }
        return all;
    }

    /** UID to X-Test-Id of every message in Archive, as FETCH shows them. */
    private static Map<Long, String> fetchAll(int port, String password) throws IOException {
        try (ImapClient c = new ImapClient(port, true)) {
            c.line();
            c.login("alice@example.test", password);
            assertThat(c.command("SELECT Archive").getLast()).contains("OK");
            Map<Long, String> seen = new HashMap<>();
            for (String line : c.command("UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (X-Test-Id)])")) {
                Matcher m = FETCHED.matcher(line);
                if (m.find()) {
                    assertThat(seen.put(Long.parseLong(m.group(1)), m.group(2))).as("UID %s twice", m.group(1)).isNull();
                }
            }
            return seen;
        }
    }

    /** The folder's dovecot-uidlist: UIDs strictly ascending, every file named once. */
    private static void assertUidListSane(Path folder) throws IOException {
        List<String> lines = Files.readAllLines(folder.resolve("dovecot-uidlist"));
        long last = 0;
        Set<String> names = new HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            long uid = Long.parseLong(line.substring(0, line.indexOf(' ')));
            assertThat(uid).as("uidlist line %s", line).isGreaterThan(last);
            last = uid;
            assertThat(names.add(line.substring(line.indexOf(':') + 1))).as("file twice: %s", line).isTrue();
        }
    }

    @Test
    void concurrentAppendsToAnUnselectedFolderGetUniqueLastingUids() throws Exception {
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        Set<Long> validities = ConcurrentHashMap.newKeySet();
        AtomicInteger failures = new AtomicInteger();
        int port = server.get().imapsPort();
        for (Thread t : appenders(port, "secret-alice", 8, 120, new AtomicBoolean(), acknowledged, validities,
                failures)) {
            t.join();
        }
        assertThat(failures.get()).isZero();
        assertThat(acknowledged).hasSize(8 * 120);
        assertThat(validities).hasSize(1);
        assertThat(fetchAll(port, "secret-alice")).isEqualTo(acknowledged);
        assertUidListSane(server.dir().resolve("mail/example.test/alice/.Archive"));
    }

    @Test
    void appendUidsHoldAfterKill9InTheMiddleOfConcurrentAppends() throws Exception {
        Path config = crashDir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), "listen.address = 127.0.0.1\nhostname = mx.example.test\n"
                + "smtp.greet-wait = 0\ndns.server = 127.0.0.1:9\nmailauth.enabled = 0\nauth.failure-delay = 20ms\n");
        Files.writeString(config.resolve("postfix-accounts.cf"), "alice@example.test|{PLAIN}pw\n");
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        Set<Long> validities = ConcurrentHashMap.newKeySet();
        AtomicInteger failures = new AtomicInteger();
        int imaps = ServerProcess.freePort();
        Process p = ServerProcess.start(crashDir, ServerProcess.freePort(), imaps);
        List<Thread> threads;
        try {
            threads = appenders(imaps, "pw", 8, 100_000, new AtomicBoolean(), acknowledged, validities, failures);
            Await.until("300 appends acknowledged", Duration.ofSeconds(60), () -> acknowledged.size() >= 300);
        } finally {
            p.destroyForcibly(); // SIGKILL in the middle of eight open APPENDs
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures.get()).isZero();
        assertThat(validities).hasSize(1);

        int again = ServerProcess.freePort();
        Process q = ServerProcess.start(crashDir, ServerProcess.freePort(), again);
        try {
            Map<Long, String> seen = fetchAll(again, "pw");
            for (Map.Entry<Long, String> a : acknowledged.entrySet()) {
                assertThat(seen.get(a.getKey())).as("message under APPENDUID %d", a.getKey()).isEqualTo(a.getValue());
            }
            // a message whose APPEND was cut off may be there or not, but never under an acknowledged UID
            Set<String> ids = new HashSet<>();
            for (String id : seen.values()) {
                assertThat(ids.add(id)).as("%s stored twice", id).isTrue();
            }
            assertUidListSane(crashDir.resolve("mail/example.test/alice/.Archive"));
        } finally {
            q.destroyForcibly();
            q.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
