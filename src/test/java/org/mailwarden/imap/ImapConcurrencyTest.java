package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.imap.ImapProtocolTest.deliver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;

/** Two sessions on one mailbox see each other's changes, at the moments IMAP allows. */
class ImapConcurrencyTest {

    @TempDir
    Path dir;
    TestServer t;

    @BeforeEach
    void start() throws Exception {
        t = TestServer.start(dir);
        deliver(t, "alice@example.test", "m1", "1");
        deliver(t, "alice@example.test", "m2", "2");
        deliver(t, "alice@example.test", "m3", "3");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private ImapClient session() throws Exception {
        ImapClient c = new ImapClient(t.imapsPort(), true);
        c.line();
        c.login("alice@example.test", "secret-alice");
        assertThat(c.command("SELECT INBOX")).contains("* 3 EXISTS");
        return c;
    }

    @Test
    void flagsAndExpungeOfOneSessionReachTheOther() throws Exception {
        try (ImapClient a = session(); ImapClient b = session()) {
            a.command("STORE 2 +FLAGS.SILENT (\\Seen \\Deleted)");
            // a FETCH in b may report the flag change but never an expunge (sequence numbers must not move)
            a.command("EXPUNGE");
            List<String> fetch = b.command("FETCH 3 (UID)");
            assertThat(fetch).noneMatch(l -> l.contains("EXPUNGE"));
            assertThat(fetch).contains("* 3 FETCH (UID 3)");
            List<String> noop = b.command("NOOP");
            assertThat(noop).contains("* 2 EXPUNGE");
            assertThat(b.command("FETCH 1:* (UID)")).contains("* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)");

            a.command("STORE 1 +FLAGS.SILENT (\\Flagged)");
            assertThat(b.command("NOOP")).contains("* 1 FETCH (UID 1 FLAGS (\\Flagged))");
        }
    }

    @Test
    void idlingSessionSeesExpungeFlagsAndNewMail() throws Exception {
        try (ImapClient a = session(); ImapClient b = session()) {
            b.send("i1 IDLE\r\n");
            assertThat(b.line()).startsWith("+ ");
            a.command("STORE 1 +FLAGS.SILENT (\\Answered)");
            assertThat(b.line()).isEqualTo("* 1 FETCH (UID 1 FLAGS (\\Answered))");
            a.command("STORE 3 +FLAGS.SILENT (\\Deleted)");
            assertThat(b.line()).isEqualTo("* 3 FETCH (UID 3 FLAGS (\\Deleted))");
            a.command("EXPUNGE");
            assertThat(b.line()).isEqualTo("* 3 EXPUNGE");
            String msg = "Subject: appended\r\n\r\nx\r\n";
            a.command("APPEND INBOX {" + msg.length() + "+}\r\n" + msg);
            assertThat(b.line()).isEqualTo("* 3 EXISTS");
            assertThat(b.line()).matches("\\* [01] RECENT"); // \\Recent goes to whichever session sees it first
            b.send("DONE\r\n");
            assertThat(b.until("i1").getLast()).isEqualTo("i1 OK IDLE terminated");
        }
    }

    @Test
    void shutdownWaitsForOpenSessionsToCloseTheirMailbox() throws Exception {
        Path uidlist = t.inbox("alice@example.test").getParent().resolve("dovecot-uidlist");
        try (ImapClient a = session()) {
            a.command("STORE 2 +FLAGS.SILENT (\\Deleted)");
            a.command("EXPUNGE");
            // the expunged message's line stays in the uidlist while the mailbox is open
            assertThat(Files.readAllLines(uidlist)).hasSize(4);
            t.close(); // the session is still open: its socket is closed under it, then it closes the mailbox
            assertThat(Files.readAllLines(uidlist)).hasSize(3);
        }
    }
}
