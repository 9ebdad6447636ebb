package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.imap.ImapProtocolTest.deliver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** Two sessions on one mailbox see each other's changes, at the moments IMAP allows. */
class ImapConcurrencyTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @BeforeEach
    void threeMessages() throws Exception {
        deliver(server.get(), "alice@example.test", "m1", "1");
        deliver(server.get(), "alice@example.test", "m2", "2");
        deliver(server.get(), "alice@example.test", "m3", "3");
    }

    private ImapClient session() throws Exception {
        ImapClient c = new ImapClient(server.get().imapsPort(), true);
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
        Path uidlist = server.get().inbox("alice@example.test").getParent().resolve("dovecot-uidlist");
        try (ImapClient a = session()) {
            a.command("STORE 2 +FLAGS.SILENT (\\Deleted)");
            a.command("EXPUNGE");
            // the expunged message's line stays in the uidlist while the mailbox is open
            assertThat(Files.readAllLines(uidlist)).hasSize(4);
            // the session is still open: its socket is closed under it, then it closes the mailbox
            server.get().close();
            assertThat(Files.readAllLines(uidlist)).hasSize(3);
        }
    }
}
