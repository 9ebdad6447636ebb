package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.number;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** UIDVALIDITY never repeats for a mailbox name (RFC 3501 2.3.1.1). */
class ImapUidValidityTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void deleteThenCreateWithinOneSecondGetsANewUidValidity() throws Exception {
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            Set<Long> seen = new HashSet<>();
            // several rounds well within a second or two: the clock alone would give some value twice
            for (int round = 0; round < 5; round++) {
                assertThat(c.command("CREATE Work").getLast()).contains("OK");
                assertThat(c.command("APPEND Work {3+}\r\nx\r\n").getLast()).contains("OK");
                List<String> status = c.command("STATUS Work (UIDVALIDITY UIDNEXT)");
                assertThat(number(status, "UIDNEXT (\\d+)")).isEqualTo(2);
                assertThat(seen.add(number(status, "UIDVALIDITY (\\d+)"))).as("UIDVALIDITY again: " + status).isTrue();
                assertThat(c.command("DELETE Work").getLast()).contains("OK");
            }
            List<String> inbox = c.command("STATUS INBOX (UIDVALIDITY)");
            assertThat(seen).doesNotContain(number(inbox, "UIDVALIDITY (\\d+)"));
        }
    }
}
