package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestMaildir;

/** Crash leftovers in tmp/ (the maildir spec's 36-hour rule) and of state-file writes are removed; live ones stay. */
class MaildirLeftoversTest {

    @TempDir
    Path root;

    private static Path file(Path p, Duration age) throws Exception {
        Files.writeString(p, "partial");
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(age)));
        return p;
    }

    @Test
    void openingAFolderRemovesTmpFilesOlderThan36Hours() throws Exception {
        Path box = TestMaildir.create(root.resolve("example.test/alice"));
        Path old = file(box.resolve("tmp/1700000000.M1P1Q1.host"), Duration.ofHours(37));
        Path fresh = file(box.resolve("tmp/1700000000.M2P1Q2.host"), Duration.ofHours(35));
        Path oldState = file(box.resolve(".dovecot-uidlist.42.7.tmp"), Duration.ofHours(40));
        Path dovecotLock = file(box.resolve("dovecot-uidlist.lock"), Duration.ofHours(40));
        MaildirFolder.open(box).close();
        assertThat(old).doesNotExist();
        assertThat(oldState).doesNotExist();
        assertThat(fresh).exists(); // a delivery may still be writing it
        assertThat(dovecotLock).exists(); // not ours: Dovecot's own lock file
    }

    @Test
    void theStartSweepCleansFoldersNoSessionOpens() throws Exception {
        MaildirStore store = new MaildirStore(root);
        Path inbox = TestMaildir.create(root.resolve("example.test/bob"));
        Path sent = TestMaildir.create(inbox.resolve(".Sent"));
        Path a = file(inbox.resolve("tmp/a"), Duration.ofDays(3));
        Path b = file(sent.resolve("tmp/b"), Duration.ofDays(3));
        Path c = file(sent.resolve("tmp/c"), Duration.ofMinutes(1));
        assertThat(store.cleanLeftovers()).isEqualTo(2);
        assertThat(a).doesNotExist();
        assertThat(b).doesNotExist();
        assertThat(c).exists();
    }
}
