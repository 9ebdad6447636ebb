package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.untagged;
import static org.mailwarden.imap.ImapProtocolTest.deliver;

import jakarta.mail.Folder;
import jakarta.mail.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServerExtension;

/** RENAME INBOX (RFC 3501 6.3.5): the messages move to a new mailbox, INBOX stays, empty. Raw, Angus, imaplib. */
class ImapRenameInboxTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private ImapClient loggedIn() throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
    }

    private long filesIn(Path maildir) throws Exception {
        long n = 0;
        for (String sub : List.of("cur", "new")) {
            try (var files = Files.list(maildir.resolve(sub))) {
                n += files.count();
            }
        }
        return n;
    }

    @Test
    void messagesMoveInOrderWithTheirFlagsAndInboxStaysEmpty() throws Exception {
        for (int i = 1; i <= 3; i++) {
            deliver(server.get(), "alice@example.test", "message " + i, "body " + i);
        }
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX"); // to cur/, \Recent claimed
            c.command("STORE 1 +FLAGS (\\Flagged $Important)");
            c.command("STORE 2 +FLAGS (\\Seen)");
            c.command("CREATE INBOX.sub");
            c.command("APPEND INBOX.sub {12+}\r\nSubject: s\r\n");
        }
        deliver(server.get(), "alice@example.test", "message 4", "body 4"); // stays in new/ until a read-write SELECT
        Path home = server.get().inbox("alice@example.test").getParent();
        assertThat(home.resolve("new")).isDirectoryContaining(p -> true);

        try (ImapClient c = loggedIn(); ImapClient watcher = loggedIn(); ImapClient qresync = loggedIn()) {
            watcher.command("EXAMINE INBOX");
            qresync.command("ENABLE QRESYNC");
            qresync.command("EXAMINE INBOX");
            assertThat(c.command("RENAME INBOX Old").getLast()).endsWith("OK RENAME completed");

            // sessions with INBOX selected see every message expunged
            assertThat(untagged(watcher.command("NOOP")))
                    .containsExactly("* 4 EXPUNGE", "* 3 EXPUNGE", "* 2 EXPUNGE", "* 1 EXPUNGE");
            assertThat(untagged(qresync.command("NOOP"))).containsExactly("* VANISHED 1:4");
            assertThat(c.command("STATUS INBOX (MESSAGES)").getFirst()).isEqualTo("* STATUS \"INBOX\" (MESSAGES 0)");
            assertThat(filesIn(home)).isZero();
            // INBOX's sub-folders are not renamed
            assertThat(c.command("STATUS INBOX.sub (MESSAGES)").getFirst())
                    .isEqualTo("* STATUS \"INBOX.sub\" (MESSAGES 1)");
            assertThat(c.command("LIST \"\" Old*")).contains("* LIST (\\HasNoChildren) \".\" \"Old\"");

            List<String> sel = c.command("SELECT Old");
            assertThat(sel).contains("* 4 EXISTS");
            List<String> fetched = untagged(c.command("UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"));
            assertThat(fetched).hasSize(4);
            for (int i = 1; i <= 4; i++) { // UIDs 1 to 4 in INBOX's order
                assertThat(fetched.get(i - 1)).startsWith("* " + i + " FETCH (UID " + i + " FLAGS (")
                        .contains("Subject: message " + i);
            }
            assertThat(fetched.get(0)).contains("\\Flagged", "$Important").doesNotContain("\\Seen");
            assertThat(fetched.get(1)).contains("\\Seen").doesNotContain("\\Flagged");
            assertThat(fetched.get(2)).doesNotContain("\\Seen", "\\Flagged");
            assertThat(filesIn(home.resolve(".Old"))).isEqualTo(4);

            // the name is taken now; and INBOX goes on receiving mail
            assertThat(c.command("RENAME INBOX Old").getLast()).contains("NO [ALREADYEXISTS]");
            assertThat(c.command("RENAME INBOX INBOX").getLast()).contains("NO [ALREADYEXISTS]");
            deliver(server.get(), "alice@example.test", "message 5", "body 5");
            assertThat(c.command("STATUS INBOX (MESSAGES UIDNEXT)").getFirst())
                    .isEqualTo("* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT 6)");
        }
        server.get().close(); // the new mailbox's UIDs are on disk, not only in the index
        server.start();
        try (ImapClient c = loggedIn()) {
            c.command("EXAMINE Old");
            assertThat(untagged(c.command("UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")))
                    .hasSize(4).allMatch(l -> l.contains("Subject: message " + l.charAt(2)));
        }
    }

    @Test
    void aNameDeletedOrRenamedAwayCanBeCreatedAgainAndRenamedTo() throws Exception {
        deliver(server.get(), "alice@example.test", "one", "first");
        try (ImapClient c = loggedIn()) {
            for (String command : List.of("CREATE X", "DELETE X", "CREATE X", "RENAME X Y", "CREATE X", "DELETE X",
                    "RENAME INBOX X")) {
                assertThat(c.command(command).getLast()).as(command).contains(" OK ");
            }
            assertThat(c.command("STATUS X (MESSAGES)").getFirst()).isEqualTo("* STATUS \"X\" (MESSAGES 1)");
            assertThat(c.command("STATUS Y (MESSAGES)").getFirst()).isEqualTo("* STATUS \"Y\" (MESSAGES 0)");
        }
    }

    @Test
    void angusMailRenameTo() throws Exception {
        deliver(server.get(), "alice@example.test", "one", "first");
        deliver(server.get(), "alice@example.test", "two", "second");
        Store store = ImapExtensionsAngusTest.angus(server.get());
        try {
            Folder inbox = store.getFolder("INBOX");
            Folder saved = store.getFolder("Saved-2026");
            assertThat(inbox.renameTo(saved)).isTrue();
            assertThat(saved.exists()).isTrue();
            saved.open(Folder.READ_ONLY);
            assertThat(saved.getMessageCount()).isEqualTo(2);
            assertThat(saved.getMessage(1).getSubject()).isEqualTo("one");
            assertThat(saved.getMessage(2).getSubject()).isEqualTo("two");
            saved.close(false);
            assertThat(inbox.exists()).isTrue();
            assertThat(inbox.getMessageCount()).isZero();
            assertThat(inbox.renameTo(store.getFolder("Saved-2026"))).isFalse(); // exists already
        } finally {
            store.close();
        }
    }

    @Test
    void pythonImaplib() throws Exception {
        deliver(server.get(), "alice@example.test", "one", "first");
        Processes.Result r = Processes.python("""
                import imaplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4_SSL('127.0.0.1', %d, ssl_context=ctx)
                m.login('alice@example.test', 'secret-alice')
                print('rename', m.rename('INBOX', 'Kept'))
                print('kept', m.status('Kept', '(MESSAGES)'))
                print('inbox', m.status('INBOX', '(MESSAGES)'))
                print('again', m.rename('INBOX', 'Kept')[0])
                m.logout()
                """.formatted(server.get().imapsPort()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("rename ('OK', [b'RENAME completed'])",
                "kept ('OK', [b'\"Kept\" (MESSAGES 1)'])", "inbox ('OK', [b'\"INBOX\" (MESSAGES 0)'])",
                "again NO");
    }
}
