package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.untagged;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** A keyword new to the folder is announced (FLAGS, PERMANENTFLAGS) to every session before a FETCH shows it. */
class ImapNewKeywordTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void storeOfANewKeywordAnnouncesTheFlagsToEverySessionFirst() throws Exception {
        server.get().deliver("alice@example.test", "m1", "1");
        try (ImapClient a = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
                ImapClient b = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            a.command("SELECT INBOX");
            assertThat(b.command("SELECT INBOX")).noneMatch(l -> l.contains("$Work"));
            announcedBeforeFetch(untagged(a.command("STORE 1 +FLAGS ($Work)")));
            announcedBeforeFetch(untagged(b.command("NOOP")));
            assertThat(untagged(b.command("NOOP"))).isEmpty(); // once
        }
    }

    private static void announcedBeforeFetch(List<String> lines) {
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("* FLAGS (").contains("$Work");
        assertThat(lines.get(1)).startsWith("* OK [PERMANENTFLAGS (").contains("$Work", "\\*");
        assertThat(lines.get(2)).startsWith("* 1 FETCH (").contains("FLAGS ($Work"); // a owns \\Recent
    }
}
