package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestMaildir;

/**
 * The uidlist after expunges: like Dovecot, lines of expunged messages stay until they pile up or the folder
 * is closed, and a reader (a restart after a crash included) never brings an expunged message back or gives
 * out its UID again.
 */
class UidListCompactionTest {

    @TempDir
    Path dir;

    @BeforeEach
    void maildir() throws Exception {
        TestMaildir.create(dir);
    }

    private List<Long> append(MaildirFolder f, int n) throws Exception {
        List<Long> uids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            uids.add(f.append(("Subject: m" + i + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8), "",
                    Instant.now()));
        }
        return uids;
    }

    private long uidlistLines() throws Exception {
        return Files.readAllLines(dir.resolve("dovecot-uidlist")).size() - 1; // without the header
    }

    @Test
    void anExpungeLeavesItsLineUntilTheFolderCloses() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        List<Long> uids = append(f, 5);
        f.expunge(List.of(uids.get(1), uids.get(3)));
        assertThat(uidlistLines()).isEqualTo(5);
        f.close();
        assertThat(uidlistLines()).isEqualTo(3);
        MaildirFolder again = MaildirFolder.open(dir);
        assertThat(again.messages()).extracting(MaildirFolder.Message::uid)
                .containsExactly(uids.get(0), uids.get(2), uids.get(4));
    }

    @Test
    void afterACrashStaleLinesBringNothingBackAndNoUidIsReused() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        List<Long> uids = append(f, 4);
        f.expunge(List.of(uids.get(3), uids.get(0)));
        // no close(): the process died; the next open reads the stale lines
        MaildirFolder reopened = MaildirFolder.open(dir);
        assertThat(reopened.messages()).extracting(MaildirFolder.Message::uid)
                .containsExactly(uids.get(1), uids.get(2));
        long next = append(reopened, 1).getFirst();
        assertThat(next).isGreaterThan(uids.get(3));
    }

    @Test
    void manyExpungesRewriteTheFileWithoutWaitingForTheClose() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        List<Long> uids = append(f, MaildirFolder.STALE_RECORDS_MIN + 50);
        List<Long> gone = uids.subList(0, MaildirFolder.STALE_RECORDS_MIN - 1);
        f.expunge(gone);
        assertThat(uidlistLines()).isEqualTo(uids.size()); // below the threshold: lazily kept
        f.expunge(List.of(uids.get(MaildirFolder.STALE_RECORDS_MIN - 1)));
        assertThat(uidlistLines()).isEqualTo(50);
    }
}
