package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * Literals are bounded by what the connection may do: a few KiB before login, a little more for the arguments of a
 * logged-in command, and only APPEND's message may be large, written to the folder's tmp/ as it arrives.
 */
class ImapLiteralLimitsTest {

    @RegisterExtension
    final TestServerExtension server = TestServerExtension.startedByEachTest();

    private List<String> protocolErrors() {
        return server.get().events(Event.ProtocolError.class).stream().map(Event.ProtocolError::reason).toList();
    }

    @Test
    void beforeLoginALargeLiteralGetsNoContinuation() throws Exception {
        server.start();
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            c.send("x1 LOGIN {52428800}\r\n");
            assertThat(c.line()).startsWith("x1 BAD [TOOBIG]");
            // the session goes on: a literal of a login's size is still fine
            c.send("x2 LOGIN {18}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send("alice@example.test {12}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send("secret-alice\r\n");
            assertThat(c.until("x2").getLast()).startsWith("x2 OK");
        }
        assertThat(protocolErrors()).contains("literal-too-big");
    }

    @Test
    void beforeLoginALargeNonSynchronizingLiteralEndsTheSession() throws Exception {
        server.start();
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            c.send("x1 LOGIN {100000+}\r\n");
            assertThat(c.line()).startsWith("x1 BAD [TOOBIG]");
            assertThat(c.line()).startsWith("* BYE");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(protocolErrors()).contains("literal-too-big");
    }

    @Test
    void beforeLoginTheLiteralsOfOneCommandShareTheLimit() throws Exception {
        server.start();
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            c.send("x1 LOGIN {6000}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send("x".repeat(6000) + " {6000}\r\n");
            assertThat(c.line()).startsWith("x1 BAD [TOOBIG]");
            assertThat(c.command("NOOP").getLast()).endsWith(" OK NOOP completed");
            // nor can a command be made of endless empty literals
            c.send("x2 LOGIN {0}\r\n");
            String reply = c.line();
            int literals = 1;
            while (reply.startsWith("+ ") && literals < 10_000) {
                c.send(" {0}\r\n");
                reply = c.line();
                literals++;
            }
            assertThat(reply).startsWith("x2 BAD [TOOBIG]");
            assertThat(literals).isLessThanOrEqualTo(ImapInput.LOGIN_LITERALS / 64 + 1);
        }
    }

    @Test
    void afterLoginOnlyAppendMayAnnounceALargeLiteral() throws Exception {
        server.start();
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("SELECT INBOX");
            c.send("x1 SEARCH TEXT {4194304}\r\n");
            assertThat(c.line()).startsWith("x1 NO [TOOBIG]");
            c.send("x2 SEARCH TEXT {5}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send("hello\r\n");
            assertThat(c.until("x2").getLast()).isEqualTo("x2 OK SEARCH completed");
            c.send("x3 SEARCH TEXT {4194304+}\r\n");
            assertThat(c.until("x3").getLast()).startsWith("x3 BAD [TOOBIG]");
            assertThat(c.line()).startsWith("* BYE");
        }
        assertThat(protocolErrors()).contains("literal-too-big");
    }

    @Test
    void appendOverTheMessageLimitIsRefusedBeforeItsOctets() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir, "imap.max-literal-size = 1M"));
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.send("x1 APPEND INBOX {2000000}\r\n");
            assertThat(c.line()).startsWith("x1 NO [TOOBIG]");
            c.send("x2 APPEND INBOX (\\Seen) {2000000+}\r\n");
            assertThat(c.line()).startsWith("x2 BAD [TOOBIG]");
            assertThat(c.line()).startsWith("* BYE");
        }
        assertThat(protocolErrors()).contains("message-too-big");
        assertThat(cur("alice@example.test")).isEmpty();
    }

    @Test
    void appendWritesTheMessageToTmpAsItArrives() throws Exception {
        server.start();
        Path tmp = server.get().server.store().mailboxDir("alice@example.test").resolve("tmp");
        StringBuilder m = new StringBuilder("Subject: streamed\r\n\r\n");
        for (int i = 0; m.length() < 300_000; i++) {
            m.append("line ").append(i).append(" of the streamed message\r\n");
        }
        byte[] message = m.toString().getBytes(StandardCharsets.US_ASCII);
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.send("x1 APPEND INBOX (\\Flagged) {" + message.length + "}\r\n");
            assertThat(c.line()).startsWith("+ ");
            int half = message.length / 2;
            c.send(new String(message, 0, half, StandardCharsets.US_ASCII));
            // the first half is on disk (LF line ends) before the rest is sent
            Await.until("the first half in tmp/", Duration.ofSeconds(10), () -> tmpSize(tmp) > half / 2);
            c.send(new String(message, half, message.length - half, StandardCharsets.US_ASCII) + "\r\n");
            List<String> r = c.until("x1");
            assertThat(r.getLast()).startsWith("x1 OK [APPENDUID ");
            assertThat(tmpSize(tmp)).isZero();
            List<String> fetched = c.command("EXAMINE INBOX");
            assertThat(fetched).contains("* 1 EXISTS");
            List<String> f = c.command("FETCH 1 (RFC822.SIZE BODY.PEEK[])");
            assertThat(f.getFirst()).startsWith("* 1 FETCH (RFC822.SIZE " + message.length + " BODY[] {" + message.length + "}\r\n" + m);
        }
        List<Path> files = cur("alice@example.test");
        assertThat(files).hasSize(1);
        String name = files.getFirst().getFileName().toString();
        long lf = message.length - m.toString().split("\r\n", -1).length + 1;
        assertThat(name).contains(",S=" + lf + ",W=" + message.length + ":2,F");
        assertThat(Files.readString(files.getFirst())).isEqualTo(m.toString().replace("\r\n", "\n"));
    }

    @Test
    void anAppendAbandonedHalfwayLeavesNothingBehind() throws Exception {
        server.start();
        Path tmp = server.get().server.store().mailboxDir("alice@example.test").resolve("tmp");
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.send("x1 APPEND INBOX {100000}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send("Subject: cut\r\n\r\n" + "x".repeat(40_000));
            Await.until("bytes in tmp/", Duration.ofSeconds(10), () -> tmpSize(tmp) > 0);
        }
        Await.until("the session closed", Duration.ofSeconds(10),
                () -> !server.get().events(Event.ConnectionClosed.class).isEmpty());
        Await.until("tmp/ emptied", Duration.ofSeconds(10), () -> tmpFiles(tmp) == 0);
        assertThat(cur("alice@example.test")).isEmpty();
    }

    @Test
    void aRefusedNonSynchronizingAppendIsReadAndDropped() throws Exception {
        server.start();
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.send("x1 APPEND Nowhere {20+}\r\nSubject: x\r\n\r\nbody\r\n\r\n");
            assertThat(c.until("x1").getLast()).startsWith("x1 NO [TRYCREATE]");
            assertThat(c.command("NOOP").getLast()).endsWith(" OK NOOP completed");
            // the mailbox name may itself be a literal
            c.send("x3 APPEND {5+}\r\nINBOX {20+}\r\nSubject: y\r\n\r\nbody\r\n\r\n");
            assertThat(c.until("x3").getLast()).startsWith("x3 OK [APPENDUID ");
        }
    }

    private List<Path> cur(String account) throws IOException {
        Path cur = server.get().server.store().mailboxDir(account).resolve("cur");
        if (!Files.isDirectory(cur)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cur)) {
            return s.toList();
        }
    }

    private static long tmpSize(Path tmp) {
        try (Stream<Path> s = Files.list(tmp)) {
            long n = 0;
            for (Path p : s.toList()) {
                n += Files.size(p);
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long tmpFiles(Path tmp) {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
