package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.support.ImapClient.untagged;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** LSUB with '%' (RFC 3501 6.3.9): an unsubscribed parent of subscribed children is listed \Noselect. */
class ImapLsubTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void percentListsUnsubscribedParentsOfSubscribedChildrenAsNoselect() throws Exception {
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            for (String name : new String[] {"folder", "folder.sub", "folder.sub.x"}) {
                assertThat(c.command("CREATE " + name).getLast()).contains("OK");
                c.command("UNSUBSCRIBE " + name);
            }
            assertThat(c.command("SUBSCRIBE folder.sub.x").getLast()).contains("OK");
            assertThat(c.command("SUBSCRIBE ghost.child").getLast()).contains("OK");

            assertThat(untagged(c.command("LSUB \"\" \"folder.%\""))).containsExactly("* LSUB (\\Noselect) \".\" \"folder.sub\"");
            assertThat(c.command("LSUB \"folder.\" \"%\"")).contains("* LSUB (\\Noselect) \".\" \"folder.sub\"");
            assertThat(c.command("LSUB \"\" \"%\"")).contains("* LSUB (\\Noselect) \".\" \"folder\"",
                    "* LSUB (\\Noselect) \".\" \"ghost\"");
            assertThat(untagged(c.command("LSUB \"\" \"folder.sub.%\""))).containsExactly("* LSUB () \".\" \"folder.sub.x\"");
            // '*' reaches the children themselves: no stand-in parents
            assertThat(untagged(c.command("LSUB \"\" \"f*\""))).containsExactly("* LSUB () \".\" \"folder.sub.x\"");
        }
    }
}
