package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** \Recent (RFC 3501 2.3.2): the first session to select the folder after a message arrived sees it recent. */
class ImapRecentTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private ImapClient loggedIn() throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
    }

    @Test
    void oneSessionSeesANewMessageAsRecentAndExamineLeavesItRecent() throws Exception {
        try (ImapClient a = loggedIn(); ImapClient b = loggedIn(); ImapClient c = loggedIn()) {
            assertThat(a.command("SELECT INBOX")).contains("* 0 RECENT");
            server.get().deliver("alice@example.test", "m1", "1");
            assertThat(a.command("NOOP")).contains("* 1 EXISTS", "* 1 RECENT");
            // a owns m1's \Recent: for everyone else it is no longer recent, also once the index is reopened
            assertThat(b.command("STATUS INBOX (MESSAGES RECENT)")).contains("* STATUS \"INBOX\" (MESSAGES 1 RECENT 0)");
            try (Stream<?> inNew = Files.list(server.get().inbox("alice@example.test"))) {
                assertThat(inNew).isEmpty();
            }

            server.get().deliver("alice@example.test", "m2", "2");
            assertThat(b.command("STATUS INBOX (RECENT)")).contains("* STATUS \"INBOX\" (RECENT 1)");
            // EXAMINE sees m2 as recent and leaves it so (RFC 3501 6.3.2)
            assertThat(b.command("EXAMINE INBOX")).contains("* 2 EXISTS", "* 1 RECENT");
            assertThat(b.command("SEARCH RECENT")).contains("* SEARCH 2");
            assertThat(c.command("SELECT INBOX")).contains("* 2 EXISTS", "* 1 RECENT");
            assertThat(c.command("SEARCH NEW")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH OLD")).contains("* SEARCH 1");
            assertThat(c.command("FETCH 2 (FLAGS)")).contains("* 2 FETCH (FLAGS (\\Recent))");
            assertThat(a.command("NOOP")).contains("* 2 EXISTS", "* 1 RECENT");
            assertThat(a.command("SEARCH RECENT")).contains("* SEARCH 1");
            assertThat(b.command("STATUS INBOX (RECENT)")).contains("* STATUS \"INBOX\" (RECENT 0)");
        }
    }
}
