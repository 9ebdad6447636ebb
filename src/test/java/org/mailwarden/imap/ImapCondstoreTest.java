package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.imap.ImapProtocolTest.deliver;
import static org.mailwarden.support.ImapClient.number;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** CONDSTORE (RFC 7162) against the real server: raw conversations, a restart, and Python's imaplib. */
class ImapCondstoreTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @BeforeEach
    void threeMessages() throws Exception {
        aliceInbox(server.get(), 3);
    }

    /** Alice's INBOX with {@code messages} messages, none \Recent any more (they would clutter FLAGS). */
    static void aliceInbox(TestServer t, int messages) throws Exception {
        for (int i = 1; i <= messages; i++) {
            deliver(t, "alice@example.test", "message " + i, "body " + i);
        }
        try (ImapClient c = ImapClient.loggedIn(t.imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("SELECT INBOX");
            c.command("UNSELECT");
        }
    }

    private ImapClient loggedIn() throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
    }

    @Test
    void changedSinceUnchangedSinceSearchAndStatus() throws Exception {
        try (ImapClient c = loggedIn(); ImapClient other = loggedIn()) {
            assertThat(c.command("CAPABILITY").getFirst()).contains(" CONDSTORE");
            List<String> sel = c.command("SELECT INBOX (CONDSTORE)");
            assertThat(sel.getLast()).contains("OK [READ-WRITE]");
            long h = number(sel, "OK \\[HIGHESTMODSEQ (\\d+)]");
            assertThat(c.command("FETCH 1:* (FLAGS) (CHANGEDSINCE " + h + ")")).singleElement(); // only the OK
            assertThat(c.command("FETCH 1 (MODSEQ)").getFirst()).matches("\\* 1 FETCH \\(MODSEQ \\(\\d+\\)\\)");

            List<String> st = c.command("STORE 2 +FLAGS (\\Seen)");
            long m2 = number(st, "\\* 2 FETCH \\(UID 2 MODSEQ \\((\\d+)\\) FLAGS \\(\\\\Seen\\)\\)");
            assertThat(m2).isGreaterThan(h);
            List<String> changed = c.command("FETCH 1:* (FLAGS) (CHANGEDSINCE " + h + ")");
            assertThat(changed).hasSize(2);
            assertThat(changed.getFirst()).isEqualTo("* 2 FETCH (FLAGS (\\Seen) MODSEQ (" + m2 + "))");
            assertThat(c.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + m2 + ")")).singleElement();

            // conditional STORE: message 2 changed after h, so it is left alone and reported as MODIFIED
            List<String> cond = c.command("STORE 1:3 (UNCHANGEDSINCE " + h + ") +FLAGS (\\Flagged)");
            assertThat(cond.getLast()).contains("OK [MODIFIED 2]");
            assertThat(cond).hasSize(3);
            assertThat(cond.getFirst()).startsWith("* 1 FETCH (UID 1 MODSEQ (").endsWith("FLAGS (\\Flagged))");
            assertThat(c.command("FETCH 2 (FLAGS)").getFirst()).isEqualTo("* 2 FETCH (FLAGS (\\Seen))");
            List<String> silent = c.command("UID STORE 3 (UNCHANGEDSINCE " + Long.MAX_VALUE / 2
                    + ") +FLAGS.SILENT (\\Answered)");
            assertThat(silent.getFirst()).matches("\\* 3 FETCH \\(UID 3 MODSEQ \\(\\d+\\)\\)");
            long m3 = number(silent, "MODSEQ \\((\\d+)\\)");
            assertThat(c.command("UID STORE 1:3 (UNCHANGEDSINCE 1) -FLAGS.SILENT (\\Flagged)").getLast())
                    .contains("OK [MODIFIED 1:3]");

            assertThat(c.command("SEARCH MODSEQ " + m2).getFirst()).isEqualTo("* SEARCH 1 2 3 (MODSEQ " + m3 + ")");
            assertThat(c.command("UID SEARCH MODSEQ \"/flags/\\\\draft\" all " + (m3 + 1)).getFirst())
                    .isEqualTo("* SEARCH");
            assertThat(c.command("SEARCH NOT MODSEQ " + m3).getFirst()).startsWith("* SEARCH 1 2 (MODSEQ ");
            assertThat(c.command("STATUS Archive (HIGHESTMODSEQ MESSAGES)").getFirst())
                    .isEqualTo("* STATUS \"Archive\" (HIGHESTMODSEQ 1 MESSAGES 0)");
            assertThat(number(c.command("STATUS INBOX (HIGHESTMODSEQ)"), "HIGHESTMODSEQ (\\d+)")).isEqualTo(m3);

            // another session, CONDSTORE enabled with ENABLE, sees the change with its MODSEQ
            assertThat(other.command("ENABLE CONDSTORE").getFirst()).isEqualTo("* ENABLED CONDSTORE");
            other.command("SELECT INBOX");
            c.command("STORE 1 +FLAGS.SILENT (\\Draft)");
            List<String> noop = other.command("NOOP");
            assertThat(noop.getFirst()).matches("\\* 1 FETCH \\(UID 1 MODSEQ \\(\\d+\\) FLAGS \\(.*\\\\Draft.*\\)\\)");
            // an expunge raises HIGHESTMODSEQ too
            long before = number(c.command("STATUS INBOX (HIGHESTMODSEQ)"), "HIGHESTMODSEQ (\\d+)");
            c.command("STORE 3 +FLAGS.SILENT (\\Deleted)");
            c.command("EXPUNGE");
            assertThat(number(c.command("STATUS INBOX (HIGHESTMODSEQ)"), "HIGHESTMODSEQ (\\d+)"))
                    .isGreaterThan(before + 1);
        }
    }

    @Test
    void withoutCondstoreResponsesStayPlainAndBadModifiersAreBad() throws Exception {
        try (ImapClient c = loggedIn()) {
            List<String> sel = c.command("SELECT INBOX");
            assertThat(sel).anyMatch(l -> l.startsWith("* OK [HIGHESTMODSEQ "));
            assertThat(c.command("STORE 1 +FLAGS (\\Seen)").getFirst()).isEqualTo("* 1 FETCH (FLAGS (\\Seen))");
            assertThat(c.command("FETCH 1 (FLAGS) (NOSUCH 1)").getLast()).startsWith("a4 BAD");
            assertThat(c.command("STORE 1 (UNCHANGEDSINCE -1) +FLAGS (\\Seen)").getLast()).startsWith("a5 BAD");
        }
    }

    @Test
    void highestModseqSurvivesARestartAndUnchangedMessagesKeepTheirs() throws Exception {
        long h;
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX (CONDSTORE)");
            c.command("STORE 1 +FLAGS (\\Flagged)");
            h = number(c.command("STATUS INBOX (HIGHESTMODSEQ)"), "HIGHESTMODSEQ (\\d+)");
            assertThat(c.command("UNSELECT").getLast()).contains("OK"); // the last session closes the folder
        }
        server.get().close();
        server.start();
        try (ImapClient c = loggedIn()) {
            List<String> sel = c.command("SELECT INBOX (CONDSTORE)");
            assertThat(number(sel, "HIGHESTMODSEQ (\\d+)")).isEqualTo(h);
            assertThat(c.command("FETCH 1:* (FLAGS) (CHANGEDSINCE " + h + ")")).singleElement();
            c.command("STORE 2 +FLAGS (\\Seen)");
            assertThat(number(c.command("STATUS INBOX (HIGHESTMODSEQ)"), "HIGHESTMODSEQ (\\d+)")).isGreaterThan(h);
        }
    }

    @Test
    void pythonImaplib() throws Exception {
        Processes.Result r = Processes.python("""
                import imaplib, ssl, re
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4_SSL('127.0.0.1', %d, ssl_context=ctx)
                m.login('alice@example.test', 'secret-alice')
                print('caps', ' '.join(m.capabilities))
                print('enable', m.enable('CONDSTORE'))
                typ, data = m.select('INBOX')
                h = int(m.untagged_responses['HIGHESTMODSEQ'][0])
                print('store', m.store('3', '+FLAGS', '\\\\Flagged'))
                typ, data = m.fetch('1:*', '(FLAGS) (CHANGEDSINCE %%d)' %% h)
                print('changed', [d.decode() for d in data])
                m.logout()
                """.formatted(server.get().imapsPort()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains(" CONDSTORE", "enable ('OK'")
                .containsPattern("changed \\['3 \\(FLAGS \\(\\\\\\\\Flagged\\) MODSEQ \\(\\d+\\)\\)'\\]");
    }
}
