package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.imap.ImapProtocolTest.deliver;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Quota;
import jakarta.mail.Store;
import java.nio.file.Path;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.AngusImap;
import org.mailwarden.support.TestServer;

/** QUOTA and CONDSTORE through a real client library: Angus Mail's IMAPStore.getQuota and IMAPFolder modseqs. */
class ImapExtensionsAngusTest {

    @TempDir
    Path dir;
    TestServer t;

    @BeforeEach
    void start() throws Exception {
        t = TestServer.start(dir);
    }

    @AfterEach
    void stop() {
        t.close();
    }

    /** Alice's store through Angus Mail over implicit TLS (trusting the test certificate). */
    static Store angus(TestServer t) throws Exception {
        return AngusImap.alice(t, true);
    }

    @Test
    void quotaAndModseqs() throws Exception {
        t.writeConfig("dovecot-quotas.cf", "alice@example.test:2M\n");
        deliver(t, "alice@example.test", "one", "first");
        deliver(t, "alice@example.test", "two", "second");
        Store store = angus(t);
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
