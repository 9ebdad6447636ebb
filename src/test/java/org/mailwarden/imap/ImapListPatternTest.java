package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** LIST patterns (RFC 3501 6.3.8) match as the RFC says, and a pattern of many wildcards costs no more than a few. */
class ImapListPatternTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void wildcardsMatchAsTheRfcSays() {
        assertThat(ListPattern.matches("*", "Archive.2026.Q1")).isTrue();
        assertThat(ListPattern.matches("%", "Archive.2026")).isFalse();
        assertThat(ListPattern.matches("Archive.%", "Archive.2026")).isTrue();
        assertThat(ListPattern.matches("Archive.%", "Archive.2026.Q1")).isFalse();
        assertThat(ListPattern.matches("Archive%", "Archive")).isTrue();
        assertThat(ListPattern.matches("A*6", "Archive.2026")).isTrue();
        assertThat(ListPattern.matches("A*6", "Archive.2027")).isFalse();
        assertThat(ListPattern.matches("%.%", "Archive.2026")).isTrue();
        assertThat(ListPattern.matches("inbox", "INBOX")).isTrue();
        assertThat(ListPattern.matches("inbox", "Inbox2")).isFalse();
        assertThat(ListPattern.matches("sent", "Sent")).isFalse(); // only INBOX is case-insensitive
        assertThat(ListPattern.matches("", "")).isTrue();
    }

    @Test
    void manyWildcardsAgainstALongNameAnswerAtOnce() throws Exception {
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            String longName = "a".repeat(35);
            assertThat(c.command("CREATE " + longName).getLast()).contains("OK");
            // a backtracking regex took ~45 s for this (the client's read timeout is 20 s)
            assertThat(c.command("LIST \"\" \"" + "*".repeat(10) + "x\"").getLast()).contains("OK LIST");
            assertThat(c.command("LIST \"\" \"" + "%*".repeat(20) + "a\"")).anyMatch(l -> l.contains(longName));
        }
    }
}
