package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.number;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** ESEARCH (RFC 4731): SEARCH and UID SEARCH with RETURN (MIN MAX COUNT ALL), over a real socket. */
class ImapEsearchTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();
    ImapClient c;
    int tags;

    @BeforeEach
    void fiveMessages() throws Exception {
        ImapCondstoreTest.aliceInbox(server.get(), 5);
        c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
        c.command("SELECT INBOX");
        c.command("STORE 1,3:5 +FLAGS.SILENT (\\Flagged)");
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
    }

    /**
     * Sends each row's command and checks that its answer is one untagged line, "* ESEARCH (TAG "tag")" followed by
     * the row's return data (none when it is ""), then the tagged OK; or, for a row whose answer is "BAD", a BAD.
     */
    private void answers(String[][] rows) throws Exception {
        for (String[] row : rows) {
            String tag = "e" + (++tags);
            c.send(tag + " " + row[0] + "\r\n");
            List<String> lines = c.until(tag);
            if (row[1].equals("BAD")) {
                assertThat(lines.getLast()).as(row[0]).startsWith(tag + " BAD");
                continue;
            }
            String esearch = "* ESEARCH (TAG \"" + tag + "\")" + (row[1].isEmpty() ? "" : " " + row[1]);
            assertThat(lines).as(row[0]).containsExactly(esearch,
                    tag + " OK " + (row[0].startsWith("UID") ? "UID " : "") + "SEARCH completed");
        }
    }

    @Test
    void returnOptionsGiveOneEsearchResponseInsteadOfSearch() throws Exception {
        assertThat(c.command("CAPABILITY").getFirst()).contains(" ESEARCH");
        answers(new String[][] {
            {"SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED", "MIN 1 MAX 5 COUNT 4 ALL 1,3:5"},
            {"SEARCH RETURN (count) FLAGGED", "COUNT 4"},
            {"SEARCH RETURN () FLAGGED", "ALL 1,3:5"},
            {"SEARCH RETURN (MAX) CHARSET UTF-8 UNFLAGGED", "MAX 2"},
            {"SEARCH RETURN (MIN) 2:4 FLAGGED", "MIN 3"},
            {"SEARCH RETURN (MIN COUNT) SUBJECT message", "MIN 1 COUNT 5"},
            // nothing found: no MIN, MAX or ALL, but the response and a requested COUNT still come
            {"SEARCH RETURN (MIN MAX ALL COUNT) SUBJECT nothing-like-this", "COUNT 0"},
            {"SEARCH RETURN (MIN ALL) DELETED", ""},
            {"SEARCH RETURN (SAVE) ALL", "BAD"},
            {"SEARCH RETURN (MIN ALL", "BAD"},
        });
        // the plain form is unchanged
        assertThat(c.command("SEARCH FLAGGED").getFirst()).isEqualTo("* SEARCH 1 3 4 5");
    }

    @Test
    void uidSearchReturnsUidsMarkedUid() throws Exception {
        c.command("STORE 2 +FLAGS.SILENT (\\Deleted)");
        c.command("EXPUNGE"); // UIDs 1 3 4 5 are now sequence numbers 1 2 3 4
        answers(new String[][] {
            {"UID SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED", "UID MIN 1 MAX 5 COUNT 4 ALL 1,3:5"},
            {"SEARCH RETURN (ALL) FLAGGED", "ALL 1:4"},
            {"UID SEARCH RETURN (ALL) SUBJECT \"message 4\"", "UID ALL 4"},
            {"UID SEARCH RETURN (MAX ALL) SUBJECT message", "UID MAX 5 ALL 1,3:5"},
            {"UID SEARCH RETURN (COUNT) UID 2:4", "UID COUNT 2"},
        });
    }

    @Test
    void aModseqKeyAddsTheModseqOfTheMessagesReturned() throws Exception {
        // message 2 changes last: it has the highest mod-sequence of all
        c.command("STORE 2 +FLAGS.SILENT (\\Seen)");
        long[] modseq = new long[6];
        for (int i = 1; i <= 5; i++) {
            modseq[i] = number(c.command("FETCH " + i + " (MODSEQ)"), "MODSEQ \\((\\d+)\\)");
        }
        assertThat(modseq[2]).isGreaterThan(Math.max(modseq[1], modseq[5]));
        answers(new String[][] {
            {"SEARCH RETURN (MIN) MODSEQ 1", "MIN 1 MODSEQ " + modseq[1]},
            {"SEARCH RETURN (MIN MAX) MODSEQ 1", "MIN 1 MAX 5 MODSEQ " + Math.max(modseq[1], modseq[5])},
            {"SEARCH RETURN (COUNT) MODSEQ 1", "COUNT 5 MODSEQ " + modseq[2]},
            {"UID SEARCH RETURN (ALL) MODSEQ " + modseq[2], "UID ALL 2 MODSEQ " + modseq[2]},
            {"SEARCH RETURN (COUNT) MODSEQ " + (modseq[2] + 1), "COUNT 0"},
        });
    }
}
