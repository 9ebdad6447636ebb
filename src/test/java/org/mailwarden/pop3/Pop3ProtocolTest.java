package org.mailwarden.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.store.Crlf;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** POP3 conversations by hand over real sockets: states, TLS rules, the maildrop's semantics and every limit. */
class Pop3ProtocolTest {

    static final String ALICE = "alice@example.test";
    static final String PASSWORD = "secret-alice";

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(dir -> TestServer.startWithConfig(dir, "pop3.enabled = 1"));

    private TestServer t() {
        return server.get();
    }

    private Pop3Client alice() throws Exception {
        return Pop3Client.loggedIn(t().pop3sPort(), ALICE, PASSWORD);
    }

    /** Alice's INBOX files (new/ and cur/), by name. */
    private List<Path> files() throws Exception {
        Path box = t().server.store().mailboxDir(ALICE);
        try (Stream<Path> n = Files.list(box.resolve("new")); Stream<Path> c = Files.list(box.resolve("cur"))) {
            return Stream.concat(n, c).sorted().toList();
        }
    }

    private static String token(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void noPasswordsBeforeStlsOn110ThenLoginAfterIt() throws Exception {
        try (Pop3Client c = new Pop3Client(t().pop3Port(), false)) {
            assertThat(c.line()).isEqualTo("+OK mx.example.test Mailwarden POP3 ready.");
            assertThat(c.multi("CAPA")).contains("STLS", "TOP", "UIDL", "PIPELINING", "RESP-CODES", "AUTH-RESP-CODE")
                    .doesNotContain("USER", "SASL PLAIN LOGIN");
            String refused = "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";
            assertThat(c.cmd("USER " + ALICE)).startsWith(refused);
            assertThat(c.cmd("PASS " + PASSWORD)).startsWith(refused);
            assertThat(c.cmd("AUTH PLAIN " + token("\0" + ALICE + "\0" + PASSWORD))).startsWith(refused);
            assertThat(c.cmd("STAT")).isEqualTo("-ERR Log in first.");
            c.stls();
            assertThat(c.multi("CAPA")).contains("USER", "SASL PLAIN LOGIN", "TOP", "UIDL")
                    .doesNotContain("STLS");
            assertThat(c.cmd("STLS")).isEqualTo("-ERR TLS is already active.");
            c.login(ALICE, PASSWORD);
            assertThat(c.multi("CAPA")).contains("TOP", "UIDL").doesNotContain("USER", "SASL PLAIN LOGIN", "STLS");
            assertThat(c.cmd("USER " + ALICE)).isEqualTo("-ERR Already logged in.");
            assertThat(c.cmd("QUIT")).isEqualTo("+OK Logging out.");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t().events(Event.AuthFailure.class)).isEmpty(); // refused before any password was checked
        assertThat(t().events(Event.AuthSuccess.class)).extracting(e -> e.origin().proto(), e -> e.origin().listener(),
                Event.AuthSuccess::mechanism).containsExactly(org.assertj.core.groups.Tuple.tuple("pop3", "pop3", "USER"));
    }

    @Test
    void statListUidlTopRetrMatchTheFolderAndImap() throws Exception {
        t().deliver(ALICE, "first", "one\r\ntwo\r\nthree");
        t().deliver(ALICE, "second", "2");
        t().deliver(ALICE, "third", "3");
        long validity;
        List<String> imapSizes;
        try (ImapClient i = ImapClient.loggedIn(t().imapsPort(), ALICE, PASSWORD)) {
            validity = ImapClient.number(i.command("EXAMINE INBOX"), "UIDVALIDITY (\\d+)");
            imapSizes = i.command("UID FETCH 1:* (RFC822.SIZE)").stream().filter(l -> l.startsWith("* "))
                    .map(l -> l.replaceAll(".*RFC822.SIZE (\\d+).*", "$1")).toList();
        }
        try (Pop3Client c = alice()) {
            long total = imapSizes.stream().mapToLong(Long::parseLong).sum();
            assertThat(c.cmd("STAT")).isEqualTo("+OK 3 " + total);
            assertThat(c.multi("LIST")).containsExactly("+OK 3 messages (" + total + " octets)",
                    "1 " + imapSizes.get(0), "2 " + imapSizes.get(1), "3 " + imapSizes.get(2));
            assertThat(c.cmd("LIST 2")).isEqualTo("+OK 2 " + imapSizes.get(1));
            assertThat(c.cmd("LIST 4")).isEqualTo("-ERR No such message.");
            assertThat(c.cmd("LIST x")).isEqualTo("-ERR Invalid message number: x");
            // UIDL: Dovecot's %08Xu%08Xv, the IMAP UID and UIDVALIDITY
            String v = String.format("%08x", validity);
            assertThat(c.multi("UIDL")).containsExactly("+OK", "1 00000001" + v, "2 00000002" + v, "3 00000003" + v);
            assertThat(c.cmd("UIDL 3")).isEqualTo("+OK 3 00000003" + v);

            byte[] file = Files.readAllBytes(files().getFirst());
            byte[] retr = c.rawBody("RETR 1");
            assertThat(new String(retr, StandardCharsets.UTF_8))
                    .isEqualTo(new String(Crlf.toCrlf(file), StandardCharsets.UTF_8) + ".\r\n");
            assertThat(retr.length - 3).isEqualTo(Long.parseLong(imapSizes.getFirst()));
            List<String> top0 = c.multi("TOP 1 0");
            assertThat(top0.getFirst()).isEqualTo("+OK");
            assertThat(top0).contains("Subject: first").endsWith("");
            assertThat(c.multi("TOP 1 2").reversed()).startsWith("two", "one", "");
            assertThat(c.multi("TOP 1 99")).endsWith("", "one", "two", "three");
            assertThat(c.cmd("TOP 1")).startsWith("-ERR TOP takes");

            assertThat(c.cmd("DELE 2")).isEqualTo("+OK Marked to be deleted.");
            assertThat(c.cmd("DELE 2")).isEqualTo("-ERR Message is deleted.");
            assertThat(c.cmd("RETR 2")).isEqualTo("-ERR Message is deleted.");
            assertThat(c.cmd("LIST 2")).isEqualTo("-ERR Message is deleted.");
            assertThat(c.multi("UIDL")).containsExactly("+OK", "1 00000001" + v, "3 00000003" + v);
            assertThat(c.cmd("STAT")).isEqualTo("+OK 2 " + (total - Long.parseLong(imapSizes.get(1))));
            assertThat(c.cmd("RSET")).isEqualTo("+OK Maildrop has 3 messages (" + total + " octets).");
            assertThat(c.cmd("DELE 3")).startsWith("+OK");
            assertThat(c.cmd("NOOP")).isEqualTo("+OK");
            assertThat(files()).hasSize(3); // marks only, until QUIT
            assertThat(c.cmd("QUIT")).isEqualTo("+OK Logging out, messages deleted.");
        }
        assertThat(files()).hasSize(2);
        try (ImapClient i = ImapClient.loggedIn(t().imapsPort(), ALICE, PASSWORD)) {
            assertThat(i.command("SELECT INBOX")).contains("* 2 EXISTS");
            // the RETRieved message is \Seen now (Dovecot's pop3_no_flag_updates = no); TOP does not count
            assertThat(i.command("UID FETCH 1:* (FLAGS)")).filteredOn(l -> l.startsWith("* "))
                    .containsExactly("* 1 FETCH (UID 1 FLAGS (\\Seen))", "* 2 FETCH (UID 2 FLAGS ())");
        }
    }

    @Test
    void deletionsHappenAtQuitOnlyAndADroppedConnectionDeletesNothing() throws Exception {
        t().deliver(ALICE, "keep me", "a");
        t().deliver(ALICE, "keep me too", "b");
        Pop3Client dropped = alice();
        assertThat(dropped.cmd("DELE 1")).startsWith("+OK");
        assertThat(dropped.cmd("DELE 2")).startsWith("+OK");
        try (ImapClient i = ImapClient.loggedIn(t().imapsPort(), ALICE, PASSWORD)) {
            assertThat(i.command("EXAMINE INBOX")).contains("* 2 EXISTS");
        }
        dropped.close(); // no QUIT: the session ends in AUTHORIZATION/TRANSACTION, never UPDATE (RFC 1939 6)
        Await.until("the dropped session closed", Duration.ofSeconds(10), () -> t().events(Event.ConnectionClosed.class)
                .stream().anyMatch(e -> e.origin().proto().equals("pop3") && e.reason().equals("client-closed")));
        assertThat(files()).hasSize(2);
        try (Pop3Client c = alice()) {
            assertThat(c.cmd("STAT")).startsWith("+OK 2 ");
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
        assertThat(files()).hasSize(1);
    }

    @Test
    void theMaildropIsLockedPerAccountAcrossBothPorts() throws Exception {
        t().deliver(ALICE, "locked", "x");
        try (Pop3Client first = alice()) {
            try (Pop3Client second = new Pop3Client(t().pop3Port(), false)) {
                second.line();
                second.stls();
                assertThat(second.cmd("USER " + ALICE)).startsWith("+OK");
                assertThat(second.cmd("PASS " + PASSWORD)).isEqualTo(
                        "-ERR [IN-USE] The maildrop is in use by another POP3 session.");
                assertThat(second.cmd("STAT")).isEqualTo("-ERR Log in first."); // still AUTHORIZATION
                try (Pop3Client bob = Pop3Client.loggedIn(t().pop3sPort(), "bob@example.test", "secret-bob")) {
                    assertThat(bob.cmd("STAT")).isEqualTo("+OK 0 0"); // another account: its own lock
                }
                assertThat(first.cmd("STAT")).startsWith("+OK 1 ");
                assertThat(first.cmd("QUIT")).startsWith("+OK");
                // the lock went with the first session's QUIT: the second may try again
                assertThat(second.cmd("USER " + ALICE)).startsWith("+OK");
                assertThat(second.cmd("PASS " + PASSWORD)).isEqualTo("+OK Logged in.");
            }
        }
        assertThat(t().events(Event.AuthFailure.class)).isEmpty(); // IN-USE is no failed login
    }

    @Test
    void linesStartingWithADotAreStuffedInRetrAndTop() throws Exception {
        // on the SMTP wire "." lines are doubled; the file holds them single, POP3 doubles them again
        t().deliver(ALICE, "dots", "..hidden line\r\n...two dots\r\n..\r\nlast");
        Path file = files().getFirst();
        assertThat(Files.readString(file)).contains("\n.hidden line\n..two dots\n.\nlast\n");
        // and a file that does not end its last line (written by another program)
        Path box = t().server.store().mailboxDir(ALICE);
        Files.writeString(box.resolve("new/4000000000.M1P1.other"), "Subject: raw\n\n.start\nno final newline");
        try (Pop3Client c = alice()) {
            String retr = new String(c.rawBody("RETR 1"), StandardCharsets.UTF_8);
            assertThat(retr).contains("\r\n\r\n..hidden line\r\n...two dots\r\n..\r\nlast\r\n.\r\n").doesNotContain("\n.\n");
            assertThat(c.multi("TOP 1 2")).endsWith("", "..hidden line", "...two dots");
            String raw = new String(c.rawBody("RETR 2"), StandardCharsets.UTF_8);
            assertThat(raw).isEqualTo("Subject: raw\r\n\r\n..start\r\nno final newline\r\n.\r\n");
            // the file's size in CRLF form: without the stuffed dot, the line end added at the end and ".CRLF"
            assertThat(c.cmd("LIST 2")).isEqualTo("+OK 2 " + (raw.length() - 1 - 2 - 3));
            assertThat(c.cmd("QUIT")).startsWith("+OK");
        }
    }

    @Test
    void authPlainAndLoginWithAndWithoutInitialResponse() throws Exception {
        String plain = token("\0" + ALICE + "\0" + PASSWORD);
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            assertThat(c.multi("AUTH")).containsExactly("+OK Mechanisms follow", "PLAIN", "LOGIN");
            assertThat(c.cmd("AUTH CRAM-MD5")).startsWith("-ERR Unsupported");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd("*")).isEqualTo("-ERR Authentication cancelled.");
            assertThat(c.cmd("AUTH PLAIN " + plain)).isEqualTo("+OK Logged in.");
            c.cmd("QUIT");
        }
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd(plain)).isEqualTo("+OK Logged in.");
            c.cmd("QUIT");
        }
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            assertThat(c.cmd("AUTH LOGIN")).isEqualTo("+ VXNlcm5hbWU6");
            assertThat(c.cmd(token(ALICE))).isEqualTo("+ UGFzc3dvcmQ6");
            assertThat(c.cmd(token(PASSWORD))).isEqualTo("+OK Logged in.");
            c.cmd("QUIT");
        }
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            assertThat(c.cmd("AUTH LOGIN " + token(ALICE))).isEqualTo("+ UGFzc3dvcmQ6");
            assertThat(c.cmd(token("wrong"))).isEqualTo("-ERR [AUTH] Authentication failed.");
            assertThat(c.cmd("AUTH PLAIN " + token("bob@example.test\0" + ALICE + "\0" + PASSWORD)))
                    .isEqualTo("-ERR [AUTH] Authentication failed."); // no proxy authentication
            assertThat(c.cmd("AUTH PLAIN !!!")).isEqualTo("-ERR Malformed authentication response.");
        }
        assertThat(t().events(Event.AuthSuccess.class)).extracting(Event.AuthSuccess::mechanism)
                .containsExactly("PLAIN", "PLAIN", "LOGIN");
        assertThat(t().events(Event.AuthFailure.class)).extracting(Event.AuthFailure::mechanism,
                Event.AuthFailure::reason).containsExactly(org.assertj.core.groups.Tuple.tuple("LOGIN", "bad-credentials"),
                org.assertj.core.groups.Tuple.tuple("PLAIN", "authzid-mismatch"));
        assertThat(t().events(Event.AuthFailure.class)).allMatch(e -> e.origin().proto().equals("pop3"));
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        t().deliver(ALICE, "piped", "p");
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            c.send("USER " + ALICE + "\r\nPASS " + PASSWORD + "\r\nSTAT\r\nUIDL 1\r\nLIST\r\nQUIT\r\n");
            assertThat(c.line()).startsWith("+OK");
            assertThat(c.line()).isEqualTo("+OK Logged in.");
            assertThat(c.line()).startsWith("+OK 1 ");
            assertThat(c.line()).startsWith("+OK 1 00000001");
            assertThat(c.multiLine()).hasSize(2);
            assertThat(c.line()).isEqualTo("+OK Logging out.");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void anOverLongLineGetsAnErrorAndAnEventAndAHugeOneEndsTheSession() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir, "pop3.enabled = 1\npop3.max-line-length = 300"));
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            assertThat(c.cmd("NOOP " + "x".repeat(400))).isEqualTo("-ERR Line too long.");
            assertThat(c.cmd("USER " + "y".repeat(290))).startsWith("+OK"); // within the limit: fine
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(c.cmd("z".repeat(1000))).isEqualTo("-ERR Line too long."); // a SASL answer too
            c.send("x".repeat(64 * 300 + 10));
            assertThat(c.line()).isEqualTo("-ERR Line too long.");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t().events(Event.ProtocolError.class)).extracting(Event.ProtocolError::reason)
                .containsExactly("line-too-long", "line-too-long", "line-too-long-abuse");
    }

    @Test
    void badCommandsAndFailedLoginsAreCountedAndEndTheSession() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir,
                "pop3.enabled = 1\npop3.max-bad-commands = 3\npop3.max-auth-failures = 2"));
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            assertThat(c.cmd("APOP alice 0123456789abcdef")).isEqualTo("-ERR Unknown command: APOP");
            assertThat(c.cmd("LAST")).isEqualTo("-ERR Unknown command: LAST");
            assertThat(c.cmd("RETR 1")).isEqualTo("-ERR Log in first.");
            assertThat(c.line()).isEqualTo("-ERR Too many bad commands.");
            assertThat(c.closedByServer()).isTrue();
        }
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            c.cmd("USER " + ALICE);
            assertThat(c.cmd("PASS wrong1")).isEqualTo("-ERR [AUTH] Authentication failed.");
            c.cmd("USER " + ALICE);
            assertThat(c.cmd("PASS wrong 2")).isEqualTo("-ERR [AUTH] Too many authentication failures.");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t().events(Event.TooManyErrors.class)).extracting(Event.TooManyErrors::errors).containsExactly(3, 2);
        assertThat(t().events(Event.AuthFailure.class)).extracting(Event.AuthFailure::user, Event.AuthFailure::mechanism)
                .containsOnly(org.assertj.core.groups.Tuple.tuple(ALICE, "USER")).hasSize(2);
    }

    @Test
    void theLoginTimeIsBoundedInTotalAndAnIdleSessionIsClosedDeletingNothing() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir,
                "pop3.enabled = 1\npop3.login-timeout = 500ms\npop3.idle-timeout = 700ms"));
        t().deliver(ALICE, "stays", "s");
        try (Pop3Client c = new Pop3Client(t().pop3sPort(), true)) {
            c.line();
            long start = System.nanoTime();
            // a client that keeps talking without logging in is cut off all the same
            String r;
            do {
                r = c.multi("CAPA").getFirst();
            } while (r.startsWith("+OK"));
            assertThat(r).isEqualTo("-ERR Disconnected: no login in time.");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(300L, 5000L);
            assertThat(c.closedByServer()).isTrue();
        }
        try (Pop3Client c = alice()) {
            assertThat(c.cmd("DELE 1")).startsWith("+OK");
            long start = System.nanoTime();
            assertThat(c.line()).isEqualTo("-ERR Disconnected for inactivity.");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(500L); // not the login timeout
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t().events(Event.Timeout.class)).extracting(Event.Timeout::stage).containsExactly("login", "command");
        assertThat(files()).hasSize(1);
    }

    @Test
    void aCommandTrickledAfterLoginIsCutOffAtTheCommandTimeoutWithAnEvent() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir, "pop3.enabled = 1\npop3.idle-timeout = 1s"));
        try (Pop3Client c = alice()) {
            long start = System.nanoTime();
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 500; i++) {
                        c.send("N"); // a line that never ends, a byte every 100 ms: each read is far within 1s
                        Thread.sleep(100); // the client's pace, not a wait for the server
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server: what the test waits for
                }
            });
            assertThat(c.line()).isEqualTo("-ERR Disconnected for inactivity.");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(800L, 8000L);
            assertThat(c.closedByServer()).isTrue();
        }
        Await.until("connection closed", Duration.ofSeconds(5),
                () -> !t().events(Event.ConnectionClosed.class).isEmpty()
                        && t().events(Event.ConnectionClosed.class).getLast().reason().equals("timeout"));
        assertThat(t().events(Event.Timeout.class)).extracting(Event.Timeout::stage).containsExactly("command");
    }
}
