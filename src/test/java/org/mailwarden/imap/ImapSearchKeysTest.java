package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** SEARCH keys as RFC 3501 6.4.4 reads them, against the real server. */
class ImapSearchKeysTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private ImapClient withMessages(String... messages) throws Exception {
        ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
        for (String m : messages) {
            assertThat(c.command("APPEND INBOX {" + m.length() + "+}\r\n" + m).getLast()).contains("OK");
        }
        assertThat(c.command("SELECT INBOX").getLast()).contains("OK");
        return c;
    }

    @Test
    void monthNamesInAnyCase() throws Exception {
        try (ImapClient c = withMessages("Date: Mon, 19 Mar 2007 10:00:00 +0000\r\nSubject: old\r\n\r\nx\r\n",
                "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nSubject: new\r\n\r\ny\r\n")) {
            assertThat(c.command("SEARCH SENTBEFORE 24-mar-2007")).contains("* SEARCH 1");
            assertThat(c.command("SEARCH SENTSINCE 24-MAR-2007")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH SINCE \"1-jan-2000\"")).contains("* SEARCH 1 2");
        }
    }

    @Test
    void addressKeysReadAddressesWithComments() throws Exception {
        try (ImapClient c = withMessages(
                "From: Joe Q. Public <user (comment)@ (comment) domain.org>\r\nTo: ann@example.test\r\n\r\nx\r\n",
                "From: other@domain.org\r\nCc: Ann (work) <ann (x)@example.test>\r\n\r\ny\r\n")) {
            assertThat(c.command("SEARCH FROM user@domain.org")).contains("* SEARCH 1");
            assertThat(c.command("UID SEARCH FROM \"public <user@\"")).contains("* SEARCH 1");
            assertThat(c.command("SEARCH FROM domain.org")).contains("* SEARCH 1 2");
            assertThat(c.command("SEARCH CC ann@example.test")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH OR TO ann@example.test CC ann@example.test")).contains("* SEARCH 1 2");
            assertThat(c.command("SEARCH FROM comment")).contains("* SEARCH 1"); // the field as written still counts
        }
    }
}
