package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.number;
import static org.mailwarden.support.ImapClient.untagged;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** CONDSTORE enabled by a command on a selected mailbox announces its HIGHESTMODSEQ (RFC 7162 3.1.2.2). */
class ImapCondstoreEnableTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void fetchModseqEnablesCondstoreAndSendsHighestModseqOnce() throws Exception {
        server.get().deliver("alice@example.test", "m1", "1");
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("SELECT INBOX");
            c.command("STORE 1 +FLAGS.SILENT (\\Flagged)");
            List<String> fetch = c.command("FETCH 1 (MODSEQ)");
            long highest = number(fetch, "\\* OK \\[HIGHESTMODSEQ (\\d+)]");
            long modseq = number(fetch, "\\* 1 FETCH \\(MODSEQ \\((\\d+)\\)\\)");
            assertThat(highest).isGreaterThanOrEqualTo(modseq);
            assertThat(c.command("FETCH 1 (MODSEQ)")).noneMatch(l -> l.contains("HIGHESTMODSEQ"));
            // SELECT (CONDSTORE) names it once, in the SELECT's own responses
            assertThat(untagged(c.command("SELECT INBOX (CONDSTORE)"))).filteredOn(l -> l.contains("HIGHESTMODSEQ"))
                    .hasSize(1);
        }
    }
}
