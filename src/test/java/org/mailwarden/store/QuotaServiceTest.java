package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuotaServiceTest {

    private static final String ALICE = "alice@example.org";

    @TempDir
    Path root;

    private final Map<String, Long> limits = new HashMap<>();

    /** A clock well after every file's mtime, so listings are trusted (not racy). */
    private QuotaService service(MaildirStore store) {
        return new QuotaService(new MaildirUsage(store, Clock.fixed(Instant.now().plusSeconds(3600), ZoneOffset.UTC)),
                a -> limits.getOrDefault(a, 0L));
    }

    private static void file(Path dir, String name, int size) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), new byte[size]);
        // an old mtime on the directory, as after any change settles
        Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minusSeconds(60)));
    }

    @Test
    void sumsSizeFieldsOverAllFoldersWithoutReadingFiles() throws Exception {
        MaildirStore store = new MaildirStore(root, "mx.test", new DirectorySync());
        Path box = store.mailboxDir(ALICE);
        file(box.resolve("new"), "1.M1.mx,S=1000,W=1020", 3); // S= is believed, not the file
        file(box.resolve("cur"), "2.M2.mx,S=2000,W=2050:2,S", 3);
        file(box.resolve(".Sent/cur"), "3.M3.mx,S=500:2,S", 3);
        file(box.resolve(".Sent/cur"), "4.M4.mx:2,", 70); // no S=: the file's size
        file(box.resolve("tmp"), "5.M5.mx,S=9999", 1); // tmp/ is not mail yet
        QuotaService q = service(store);
        QuotaService.Usage u = q.usage(ALICE);
        assertThat(u.bytes()).isEqualTo(3570);
        assertThat(u.messages()).isEqualTo(4);
        assertThat(u.limited()).isFalse();
        assertThat(q.isFull(ALICE)).isFalse();
        assertThat(q.allows(ALICE, Long.MAX_VALUE / 2)).isTrue();
    }

    @Test
    void limitsAndChangesAreSeen() throws Exception {
        MaildirStore store = new MaildirStore(root, "mx.test", new DirectorySync());
        Path box = store.mailboxDir(ALICE);
        file(box.resolve("cur"), "1.M1.mx,S=1000:2,", 1);
        file(box.resolve("new"), "0.M0.mx,S=0", 0);
        limits.put(ALICE, 1500L);
        QuotaService q = service(store);
        assertThat(q.usage(ALICE).limit()).isEqualTo(1500);
        assertThat(q.allows(ALICE, 500)).isTrue();
        assertThat(q.allows(ALICE, 501)).isFalse();
        assertThat(q.isFull(ALICE)).isFalse();
        // a delivery into new/ (the directory's mtime moves)
        Files.write(box.resolve("new").resolve("2.M2.mx,S=600"), new byte[1]);
        assertThat(q.usage(ALICE).bytes()).isEqualTo(1600);
        assertThat(q.isFull(ALICE)).isTrue();
        // an expunge
        Files.delete(box.resolve("cur").resolve("1.M1.mx,S=1000:2,"));
        Files.setLastModifiedTime(box.resolve("cur"), FileTime.from(Instant.now().plusSeconds(1)));
        assertThat(q.usage(ALICE).bytes()).isEqualTo(600);
        assertThat(q.isFull(ALICE)).isFalse();
        // a new folder
        file(box.resolve(".Archive/cur"), "3.M3.mx,S=1000:2,S", 1);
        assertThat(q.usage(ALICE).bytes()).isEqualTo(1600);
        assertThat(q.usage(ALICE).messages()).isEqualTo(3);
    }

    @Test
    void aListingInTheSameClockTickAsTheDirectorysMtimeIsRedone() throws Exception {
        MaildirStore store = new MaildirStore(root, "mx.test", new DirectorySync());
        Path cur = store.mailboxDir(ALICE).resolve("cur");
        Files.createDirectories(cur);
        FileTime t = FileTime.from(Instant.now());
        Files.setLastModifiedTime(cur, t);
        // "now" equals the mtime: the listing may miss a change in the same tick
        QuotaService q = new QuotaService(new MaildirUsage(store, Clock.fixed(t.toInstant(), ZoneOffset.UTC)),
                a -> 10_000L);
        assertThat(q.usage(ALICE).bytes()).isZero();
        Files.write(cur.resolve("1.M1.mx,S=100:2,"), new byte[1]);
        Files.setLastModifiedTime(cur, t); // same mtime, as a coarse clock would leave it
        assertThat(q.usage(ALICE).bytes()).isEqualTo(100);
    }

    @Test
    void anAccountWithoutMailUsesNothing() throws Exception {
        limits.put(ALICE, 10L);
        QuotaService q = service(new MaildirStore(root, "mx.test", new DirectorySync()));
        assertThat(q.usage(ALICE).bytes()).isZero();
        assertThat(q.isFull(ALICE)).isFalse();
    }
}
