package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** FETCH ENVELOPE (RFC 3501 7.4.2) of awkward headers, against the real server. */
class ImapEnvelopeTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void emptySenderAndReplyToAreTheFromAndASourceRouteIsTheRoute() throws Exception {
        String msg = "From: Ann <ann@example.test>\r\nSender:\r\nReply-To: \r\nTo: <@relay.test,@hop.test:bob@example.org>\r\n"
                + "Subject: s\r\n\r\nx\r\n";
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            assertThat(c.command("APPEND INBOX {" + msg.length() + "+}\r\n" + msg).getLast()).contains("OK");
            c.command("SELECT INBOX");
            String ann = "((\"Ann\" NIL \"ann\" \"example.test\"))";
            assertThat(c.command("FETCH 1 ENVELOPE").getFirst()).isEqualTo("* 1 FETCH (ENVELOPE (NIL \"s\" "
                    + ann + " " + ann + " " + ann + " ((NIL \"@relay.test,@hop.test\" \"bob\" \"example.org\")) NIL NIL NIL NIL))");
        }
    }
}
