package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.untagged;
import static org.mailwarden.support.ImapClient.number;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Store;
import jakarta.mail.event.MailEvent;
import jakarta.mail.event.MessageChangedEvent;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.MessageVanishedEvent;
import org.eclipse.angus.mail.imap.ResyncData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServerExtension;

/** QRESYNC (RFC 7162 3.2) against the real server: raw conversations, restarts, Angus Mail and Python's imaplib. */
class ImapQresyncTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @BeforeEach
    void sixMessages() throws Exception {
        ImapCondstoreTest.aliceInbox(server.get(), 6);
    }

    private ImapClient loggedIn() throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
    }

    private ImapClient qresync() throws Exception {
        ImapClient c = loggedIn();
        assertThat(c.command("ENABLE QRESYNC").getFirst()).isEqualTo("* ENABLED QRESYNC");
        return c;
    }

    /** What a client keeps between sessions: UIDVALIDITY and HIGHESTMODSEQ. */
    private record State(long uidValidity, long highest) {}

    private State state() throws Exception {
        try (ImapClient c = loggedIn()) {
            List<String> st = c.command("STATUS INBOX (UIDVALIDITY HIGHESTMODSEQ)");
            return new State(number(st, "UIDVALIDITY (\\d+)"), number(st, "HIGHESTMODSEQ (\\d+)"));
        }
    }

    /** Deletes and expunges these UIDs in a session of its own (which reports them the old way). */
    private void expungeElsewhere(String uids) throws Exception {
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX");
            c.command("UID STORE " + uids + " +FLAGS.SILENT (\\Deleted)");
            List<String> r = c.command("UID EXPUNGE " + uids);
            assertThat(r.getLast()).contains("OK");
            assertThat(r).anyMatch(l -> l.matches("\\* \\d+ EXPUNGE")); // not QRESYNC: EXPUNGE as before
            c.command("UNSELECT"); // the folder is closed now, its state written
        }
    }

    @Test
    void capabilityEnableAndBadUses() throws Exception {
        try (ImapClient c = loggedIn(); ImapClient both = loggedIn()) {
            assertThat(c.command("CAPABILITY").getFirst()).contains(" CONDSTORE").contains(" QRESYNC");
            // QRESYNC before ENABLE QRESYNC is BAD, in SELECT and in UID FETCH
            assertThat(c.command("SELECT INBOX (QRESYNC (1 1))").getLast()).startsWith("a3 BAD");
            c.command("SELECT INBOX");
            assertThat(c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").getLast()).startsWith("a5 BAD");
            // in the selected state, with its HIGHESTMODSEQ (RFC 7162 3.1.2.2)
            assertThat(c.command("ENABLE QRESYNC")).contains("* ENABLED QRESYNC")
                    .anyMatch(l -> l.startsWith("* OK [HIGHESTMODSEQ "));
            // VANISHED needs UID FETCH and CHANGEDSINCE
            assertThat(c.command("UID FETCH 1:* (FLAGS) (VANISHED)").getLast()).startsWith("a7 BAD");
            assertThat(c.command("FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").getLast()).startsWith("a8 BAD");
            assertThat(c.command("SELECT INBOX (QRESYNC (1))").getLast()).startsWith("a9 BAD");
            // QRESYNC enables CONDSTORE: flag changes carry MODSEQ
            assertThat(c.command("STORE 1 +FLAGS (\\Seen)").getFirst())
                    .matches("\\* 1 FETCH \\(UID 1 MODSEQ \\(\\d+\\) FLAGS \\(\\\\Seen\\)\\)");

            assertThat(both.command("ENABLE QRESYNC CONDSTORE").getFirst()).isEqualTo("* ENABLED QRESYNC CONDSTORE");
        }
    }

    @Test
    void selectWithQresyncReportsWhatVanishedAndWhatChanged() throws Exception {
        State known = state();
        expungeElsewhere("2:3,5");
        long flagged;
        try (ImapClient c = loggedIn()) {
            c.command("ENABLE CONDSTORE");
            c.command("SELECT INBOX");
            flagged = number(c.command("UID STORE 4 +FLAGS (\\Flagged)"), "MODSEQ \\((\\d+)\\)");
        }
        try (ImapClient c = qresync()) {
            c.command("SELECT Archive");
            List<String> sel = c.command("SELECT INBOX (QRESYNC (" + known.uidValidity() + " " + known.highest()
                    + "))");
            assertThat(sel.getLast()).contains("OK [READ-WRITE]");
            assertThat(sel.getFirst()).startsWith("* OK [CLOSED]"); // Archive's responses end here
            assertThat(sel).contains("* 3 EXISTS", "* VANISHED (EARLIER) 2:3,5");
            assertThat(sel).containsSubsequence("* VANISHED (EARLIER) 2:3,5",
                    "* 2 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (" + flagged + "))");
            assertThat(sel).filteredOn(l -> l.contains("FETCH")).hasSize(1);
            assertThat(sel.indexOf("* VANISHED (EARLIER) 2:3,5"))
                    .isGreaterThan(sel.indexOf(sel.stream().filter(l -> l.contains("HIGHESTMODSEQ")).findFirst()
                            .orElseThrow()));

            // known UIDs limit both: 1:4 knows nothing of 5
            List<String> limited = c.command("EXAMINE INBOX (QRESYNC (" + known.uidValidity() + " "
                    + known.highest() + " 1:4))");
            assertThat(limited).contains("* VANISHED (EARLIER) 2:3");
            assertThat(limited).filteredOn(l -> l.contains("FETCH")).singleElement().asString().contains("UID 4 ");
            // with sequence match data, which is accepted
            assertThat(c.command("EXAMINE INBOX (QRESYNC (" + known.uidValidity() + " " + known.highest()
                    + " 1:6 (1:3 1,4,6)))")).contains("* VANISHED (EARLIER) 2:3,5");
            // nothing happened since the mod-sequence the client has now: nothing to say
            long now = number(limited, "HIGHESTMODSEQ (\\d+)");
            assertThat(c.command("EXAMINE INBOX (QRESYNC (" + known.uidValidity() + " " + now + "))"))
                    .noneMatch(l -> l.contains("VANISHED") || l.contains("FETCH"));
            // another UIDVALIDITY: the client's cache is worthless, the QRESYNC data is ignored
            List<String> other = c.command("SELECT INBOX (QRESYNC (" + (known.uidValidity() + 1) + " "
                    + known.highest() + "))");
            assertThat(other.getLast()).contains("OK [READ-WRITE]");
            assertThat(other).noneMatch(l -> l.contains("VANISHED") || l.contains("FETCH"));
        }
    }

    @Test
    void expungesAreAnnouncedAsVanishedOnceQresyncIsOn() throws Exception {
        try (ImapClient c = qresync(); ImapClient watcher = qresync(); ImapClient plain = loggedIn()) {
            c.command("SELECT INBOX");
            watcher.command("SELECT INBOX");
            plain.command("SELECT INBOX");
            c.command("STORE 1:2 +FLAGS.SILENT (\\Deleted)");
            assertThat(untagged(c.command("EXPUNGE"))).containsExactly("* VANISHED 1:2");
            assertThat(untagged(watcher.command("NOOP"))).containsExactly("* VANISHED 1:2");
            assertThat(untagged(plain.command("NOOP"))).containsExactly("* 2 EXPUNGE", "* 1 EXPUNGE");

            // UID EXPUNGE and MOVE too
            c.command("UID STORE 4,6 +FLAGS.SILENT (\\Deleted)");
            assertThat(untagged(c.command("UID EXPUNGE 4"))).containsExactly("* VANISHED 4");
            List<String> move = untagged(c.command("UID MOVE 5:6 Archive"));
            assertThat(move).contains("* VANISHED 5:6").noneMatch(l -> l.endsWith("EXPUNGE"));
            assertThat(untagged(c.command("FETCH 1:* (UID)"))).containsExactly("* 1 FETCH (UID 3)");
            assertThat(untagged(watcher.command("NOOP"))).containsExactly("* VANISHED 4:6");

            // an IDLE session hears VANISHED as it happens
            watcher.send("i1 IDLE\r\n");
            assertThat(watcher.line()).startsWith("+ ");
            c.command("STORE 1 +FLAGS.SILENT (\\Deleted)");
            c.command("EXPUNGE");
            String l = watcher.line();
            if (l.startsWith("* 1 FETCH")) { // the \\Deleted flag, if the watcher woke up in between
                l = watcher.line();
            }
            assertThat(l).isEqualTo("* VANISHED 3");
            watcher.send("DONE\r\n");
            assertThat(watcher.until("i1")).containsExactly("i1 OK IDLE terminated");

            // CLOSE and UNSELECT end with [CLOSED] for a QRESYNC client, not for others
            assertThat(untagged(c.command("UNSELECT"))).containsExactly("* OK [CLOSED] Mailbox closed");
            c.command("SELECT Archive");
            assertThat(untagged(c.command("CLOSE"))).containsExactly("* OK [CLOSED] Mailbox closed");
            assertThat(untagged(plain.command("UNSELECT"))).isEmpty();
        }
    }

    @Test
    void uidFetchVanishedReportsExpungesInTheSetThenTheChanges() throws Exception {
        State known = state();
        expungeElsewhere("1,5:6"); // the highest UIDs too: '*' must reach them
        try (ImapClient c = qresync()) {
            c.command("SELECT INBOX");
            c.command("UID STORE 3 +FLAGS.SILENT (\\Answered)");
            List<String> r = c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + known.highest() + " VANISHED)");
            assertThat(r.getFirst()).isEqualTo("* VANISHED (EARLIER) 1,5:6");
            assertThat(r).hasSize(3);
            assertThat(r.get(1)).matches("\\* 2 FETCH \\(UID 3 FLAGS \\(\\\\Answered\\) MODSEQ \\(\\d+\\)\\)");
            assertThat(c.command("UID FETCH 2:5 (FLAGS) (CHANGEDSINCE " + known.highest() + " VANISHED)").getFirst())
                    .isEqualTo("* VANISHED (EARLIER) 5");
            long now = number(c.command("STATUS INBOX (HIGHESTMODSEQ)"), "HIGHESTMODSEQ (\\d+)");
            assertThat(c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + now + " VANISHED)")).singleElement();
        }
    }

    @Test
    void expungesAreRememberedAcrossARestart() throws Exception {
        State known = state();
        expungeElsewhere("2,4");
        server.get().close(); // the last session left: the folder's state, tombstones included, was written cleanly
        server.start();
        try (ImapClient c = qresync()) {
            List<String> sel = c.command("SELECT INBOX (QRESYNC (" + known.uidValidity() + " " + known.highest()
                    + "))");
            assertThat(sel).contains("* VANISHED (EARLIER) 2,4").noneMatch(l -> l.contains("FETCH"));
            c.command("UNSELECT");
        }
        State later = state();
        expungeElsewhere("6");

        // a crash loses the tombstones: the state file holds only the reservation then
        server.get().close();
        Path stateFile = server.get().inbox("alice@example.test").getParent().resolve("mailwarden-modseq");
        String clean = Files.readString(stateFile, StandardCharsets.US_ASCII);
        assertThat(clean).contains("\nx 2 ", "\nx 4 ", "\nx 6 ", "\nvanished ");
        long reserved = number(List.of(clean), "reserved (\\d+)");
        Files.writeString(stateFile, "mailwarden-modseq 1\nreserved " + (reserved + 1000) + "\n");
        server.start();
        try (ImapClient c = qresync()) {
            // the server cannot tell what vanished since 'later': every missing UID it may have known is named
            List<String> sel = c.command("SELECT INBOX (QRESYNC (" + later.uidValidity() + " " + later.highest()
                    + "))");
            assertThat(sel).contains("* VANISHED (EARLIER) 2,4,6");
            assertThat(sel).filteredOn(l -> l.contains(" FETCH (UID ")).hasSize(3); // every modseq is new
            long highest = number(sel, "HIGHESTMODSEQ (\\d+)");
            assertThat(highest).isGreaterThan(reserved + 1000);
            // from the new HIGHESTMODSEQ on, the record is complete again
            c.command("UID STORE 5 +FLAGS.SILENT (\\Deleted)");
            assertThat(c.command("UID EXPUNGE 5").getFirst()).isEqualTo("* VANISHED 5");
            List<String> again = c.command("EXAMINE INBOX (QRESYNC (" + later.uidValidity() + " " + highest + "))");
            assertThat(again).contains("* VANISHED (EARLIER) 5");
            assertThat(again.getFirst()).isEqualTo("* OK [CLOSED] Previous mailbox closed");
        }
    }

    @Test
    void angusMailOpensWithResyncDataAndFollowsVanished() throws Exception {
        State known = state();
        expungeElsewhere("2,5");
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX");
            c.command("UID STORE 3 +FLAGS (\\Flagged)");
        }
        Store store = ImapExtensionsAngusTest.angus(server.get());
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            List<MailEvent> events = inbox.open(Folder.READ_WRITE,
                    new ResyncData(known.uidValidity(), known.highest()));
            assertThat(events).filteredOn(e -> e instanceof MessageVanishedEvent).singleElement()
                    .satisfies(e -> assertThat(((MessageVanishedEvent) e).getUIDs()).containsExactly(2, 5));
            assertThat(events).filteredOn(e -> e instanceof MessageChangedEvent).singleElement().satisfies(e -> {
                Message m = ((MessageChangedEvent) e).getMessage();
                assertThat(inbox.getUID(m)).isEqualTo(3);
                assertThat(m.isSet(Flags.Flag.FLAGGED)).isTrue();
            });
            assertThat(inbox.getMessageCount()).isEqualTo(4);

            // an expunge elsewhere reaches Angus as VANISHED, which it applies to its messages
            List<MessageCountEvent> removed = new CopyOnWriteArrayList<>();
            inbox.addMessageCountListener(new MessageCountAdapter() {
                @Override
                public void messagesRemoved(MessageCountEvent e) {
                    removed.add(e);
                }
            });
            Message four = inbox.getMessageByUID(4);
            expungeElsewhere("4");
            inbox.doCommand(protocol -> {
                protocol.noop(); // answered with VANISHED 4
                return null;
            });
            // (Angus 2.0.3 marks the message expunged and tells its listeners, but keeps its message count)
            Await.until("the removal event", Duration.ofSeconds(10), () -> !removed.isEmpty());
            assertThat(removed.getFirst().getMessages()).containsExactly(four);
            assertThat(four.isExpunged()).isTrue();
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    @Test
    void pythonImaplib() throws Exception {
        State known = state();
        expungeElsewhere("3:4");
        Processes.Result r = Processes.python("""
                import imaplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4_SSL('127.0.0.1', %d, ssl_context=ctx)
                m.login('alice@example.test', 'secret-alice')
                print('caps', ' '.join(m.capabilities))
                print('enable', m.enable('QRESYNC'))
                typ, data = m._simple_command('SELECT', 'INBOX (QRESYNC (%d %d))')
                print('select', typ, m.untagged_responses.pop('VANISHED', None))
                m.state = 'SELECTED'
                m.store('1', '+FLAGS', '\\\\Deleted')
                typ, data = m.expunge()
                print('expunge', typ, m.untagged_responses.pop('VANISHED', None), data)
                typ, data = m.uid('FETCH', '1:*', '(FLAGS) (CHANGEDSINCE %d VANISHED)')
                print('fetch', typ, m.untagged_responses.pop('VANISHED', None))
                m.logout()
                """.formatted(server.get().imapsPort(), known.uidValidity(), known.highest(), known.highest()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(" QRESYNC", "enable ('OK'",
                "select OK [b'(EARLIER) 3:4']", "expunge OK [b'1'] [None]",
                "fetch OK [b'(EARLIER) 1,3:4']");
    }
}
