package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** ENVELOPE (RFC 3501 7.4.2) through the one address parser: comments, routes, groups, empty Sender/Reply-To. */
class ImapEnvelopeTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private String envelope(String header) throws Exception {
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            String msg = header + "Subject: s\r\n\r\nbody\r\n";
            assertThat(c.command("APPEND INBOX {" + msg.length() + "+}\r\n" + msg).getLast()).contains("OK");
            c.command("SELECT INBOX");
            return c.command("FETCH 1 ENVELOPE").getFirst();
        }
    }

    @Test
    void emptySenderAndReplyToAreTheFromAndCommentsAreNotPartOfTheAddress() throws Exception {
        String e = envelope("From: <user (comment)@ (comment) domain.org>\r\nSender: \r\nReply-To:\r\n");
        String from = "((NIL NIL \"user\" \"domain.org\"))";
        assertThat(e).contains(from + " " + from + " " + from);
    }

    @Test
    void aSourceRouteGoesToTheRouteFieldAndGroupsUseGroupSyntax() throws Exception {
        String e = envelope("From: Joe <@relay.test:joe@where.test>\r\nTo: Team: a@x.test, b@y.test;\r\n");
        assertThat(e).contains("((\"Joe\" \"@relay.test\" \"joe\" \"where.test\"))");
        assertThat(e).contains("((NIL NIL \"Team\" NIL)(NIL NIL \"a\" \"x.test\")(NIL NIL \"b\" \"y.test\")(NIL NIL NIL NIL))");
    }
}
