package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mod-sequences across reopenings: HIGHESTMODSEQ never goes backwards, a clean close keeps each message's. */
class MaildirFolderModseqTest {

    @TempDir
    Path dir;

    @BeforeEach
    void maildir() throws Exception {
        for (String sub : List.of("cur", "new", "tmp")) {
            Files.createDirectories(dir.resolve(sub));
        }
    }

    private static byte[] msg(String subject) {
        return ("Subject: " + subject + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private static long modseq(MaildirFolder f, long uid) {
        return f.byUid(uid).orElseThrow().modseq();
    }

    @Test
    void anEmptyFolderStartsAtOneAndEveryChangeGoesUp() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        assertThat(f.highestModseq()).isEqualTo(1);
        long a = f.append(msg("a"), "", Instant.now());
        long h1 = f.highestModseq();
        assertThat(h1).isGreaterThan(1).isEqualTo(modseq(f, a));
        f.setFlags(a, "S");
        assertThat(f.highestModseq()).isGreaterThan(h1).isEqualTo(modseq(f, a));
        long h2 = f.highestModseq();
        f.expunge(List.of(a));
        assertThat(f.highestModseq()).isGreaterThan(h2);
    }

    @Test
    void aCleanCloseKeepsEachMessagesModseq() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        long a = f.append(msg("a"), "", Instant.now());
        long b = f.append(msg("b"), "", Instant.now());
        f.setFlags(a, "F");
        long ma = modseq(f, a);
        long mb = modseq(f, b);
        long highest = f.highestModseq();
        f.close();
        assertThat(Files.readString(dir.resolve(ModseqState.FILE))).contains("clean " + highest);

        MaildirFolder again = MaildirFolder.open(dir);
        assertThat(again.highestModseq()).isEqualTo(highest);
        assertThat(modseq(again, a)).isEqualTo(ma);
        assertThat(modseq(again, b)).isEqualTo(mb);
        // nothing changed: closing writes nothing, the snapshot stays clean
        again.close();
        assertThat(Files.readString(dir.resolve(ModseqState.FILE))).contains("clean " + highest);

        // a flag changed by another program while closed: that message gets a new modseq, the other keeps its
        Path cur = dir.resolve("cur");
        try (var files = Files.list(cur)) {
            Path fileB = files.filter(p -> p.getFileName().toString().startsWith(
                    again.byUid(b).orElseThrow().baseName())).findFirst().orElseThrow();
            Files.move(fileB, cur.resolve(again.byUid(b).orElseThrow().baseName() + ":2,S"));
        }
        MaildirFolder third = MaildirFolder.open(dir);
        assertThat(modseq(third, a)).isEqualTo(ma);
        assertThat(modseq(third, b)).isGreaterThan(highest);
        assertThat(third.highestModseq()).isEqualTo(modseq(third, b));
    }

    @Test
    void afterACrashEveryMessageIsNewerThanAnythingHandedOut() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        long a = f.append(msg("a"), "", Instant.now());
        f.close();
        MaildirFolder live = MaildirFolder.open(dir);
        for (int i = 0; i < 2500; i++) { // beyond more than one reservation block
            live.setFlags(a, i % 2 == 0 ? "S" : "");
        }
        long handedOut = live.highestModseq();
        assertThat(Files.readString(dir.resolve(ModseqState.FILE))).doesNotContain("clean");
        // no close(): the process died
        MaildirFolder after = MaildirFolder.open(dir);
        assertThat(after.highestModseq()).isGreaterThan(handedOut);
        assertThat(modseq(after, a)).isGreaterThan(handedOut);
    }

    @Test
    void aNewUidValidityDropsTheSnapshot() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        long a = f.append(msg("a"), "", Instant.now());
        long highest = f.highestModseq();
        f.close();
        Files.delete(dir.resolve("dovecot-uidlist")); // UIDs are renumbered, possibly with another UIDVALIDITY
        Files.writeString(dir.resolve(ModseqState.FILE), Files.readString(dir.resolve(ModseqState.FILE))
                .replaceFirst("clean (\\d+) \\d+", "clean $1 12345"));
        MaildirFolder again = MaildirFolder.open(dir);
        assertThat(modseq(again, a)).isGreaterThan(highest);
    }
}
