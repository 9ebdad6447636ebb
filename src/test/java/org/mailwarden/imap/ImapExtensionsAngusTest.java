package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.imap.ImapProtocolTest.deliver;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Quota;
import jakarta.mail.Store;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.AngusImap;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** QUOTA and CONDSTORE through a real client library: Angus Mail's IMAPStore.getQuota and IMAPFolder modseqs. */
class ImapExtensionsAngusTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    /** Alice's store through Angus Mail over implicit TLS (trusting the test certificate). */
    static Store angus(TestServer t) throws Exception {
        return AngusImap.alice(t, true);
    }

    @Test
    void quotaAndModseqs() throws Exception {
        server.get().writeConfig("dovecot-quotas.cf", "alice@example.test:2M\n");
        deliver(server.get(), "alice@example.test", "one", "first");
        deliver(server.get(), "alice@example.test", "two", "second");
        Store store = angus(server.get());
        try {
            Quota[] quotas = ((IMAPStore) store).getQuota("INBOX");
            assertThat(quotas).hasSize(1);
            assertThat(quotas[0].quotaRoot).isEqualTo("User quota");
            assertThat(quotas[0].resources).singleElement().satisfies(r -> {
                assertThat(r.name).isEqualTo("STORAGE");
                assertThat(r.limit).isEqualTo(2048);
                assertThat(r.usage).isZero(); // two small messages: under 1 KiB
            });

            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            long highest = inbox.getHighestModSeq();
            assertThat(highest).isPositive();
            assertThat(inbox.getMessagesByUIDChangedSince(1, IMAPFolder.LASTUID, highest)).isEmpty();
            Message second = inbox.getMessage(2);
            second.setFlag(Flags.Flag.FLAGGED, true);
            Message[] changed = inbox.getMessagesByUIDChangedSince(1, IMAPFolder.LASTUID, highest);
            assertThat(changed).singleElement().satisfies(m -> assertThat(inbox.getUID(m)).isEqualTo(2));
            assertThat(((org.eclipse.angus.mail.imap.IMAPMessage) changed[0]).getModSeq()).isGreaterThan(highest);
            inbox.close(false);
        } finally {
            store.close();
        }
    }
}
