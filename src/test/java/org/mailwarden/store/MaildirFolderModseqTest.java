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
import org.mailwarden.support.TestMaildir;

/**
 * Mod-sequences across reopenings: HIGHESTMODSEQ never goes backwards, a clean close keeps each message's. And the
 * expunged UIDs QRESYNC needs: bounded, kept by a clean close, never claimed complete when they are not.
 */
class MaildirFolderModseqTest {

    @TempDir
    Path dir;

    @BeforeEach
    void maildir() throws Exception {
        TestMaildir.create(dir);
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

    @Test
    void trimmingTheOldestRaisesTheFloor() {
        Tombstones t = new Tombstones(5, 3);
        t.add(1, 10);
        t.add(2, 10);
        t.add(3, 11);
        assertThat(t.floor()).isEqualTo(5);
        assertThat(t.since(5)).containsExactly(1, 2, 3);
        t.add(4, 12); // UID 1 goes: nothing can be said about modseq 10 and below any more
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.floor()).isEqualTo(10);
        assertThat(t.completeSince(9)).isFalse();
        assertThat(t.completeSince(10)).isTrue();
        assertThat(t.since(10)).containsExactly(3, 4);
        assertThat(t.since(12)).isEmpty();

        Tombstones many = new Tombstones(0, 100);
        for (int i = 1; i <= 1000; i++) {
            many.add(2000 - i, i); // UIDs in descending order: since() sorts
        }
        assertThat(many.size()).isEqualTo(100);
        assertThat(many.floor()).isEqualTo(900);
        assertThat(many.since(995)).containsExactly(1000, 1001, 1002, 1003, 1004);
        assertThat(many.uidAt(0)).isEqualTo(1099);
        assertThat(many.modseqAt(99)).isEqualTo(1000);
    }

    @Test
    void aCleanCloseKeepsThemAndACrashLosesThemSafely() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        long a = f.append(msg("a"), "", Instant.now());
        long b = f.append(msg("b"), "", Instant.now());
        long c = f.append(msg("c"), "", Instant.now());
        long before = f.highestModseq();
        f.expunge(List.of(a, c));
        assertThat(f.expungedSince(before)).hasValueSatisfying(u -> assertThat(u).containsExactly(a, c));
        assertThat(f.expungedSince(f.highestModseq())).hasValueSatisfying(u -> assertThat(u).isEmpty());
        f.close();

        MaildirFolder again = MaildirFolder.open(dir);
        assertThat(again.expungedSince(before)).hasValueSatisfying(u -> assertThat(u).containsExactly(a, c));
        assertThat(again.expungedSince(0)).hasValueSatisfying(u -> assertThat(u).containsExactly(a, c));
        again.expunge(List.of(b));
        long highest = again.highestModseq();
        // no close: the process died, the file holds only the reservation
        assertThat(Files.readString(dir.resolve(ModseqState.FILE))).doesNotContain("vanished");
        MaildirFolder after = MaildirFolder.open(dir);
        assertThat(after.expungedSince(highest)).isEmpty(); // unknown: not "nothing"
        assertThat(after.expungedSince(after.highestModseq())).hasValueSatisfying(u -> assertThat(u).isEmpty());
    }

    @Test
    void aFileWithoutTombstonesLoadsAndKnowsNothingBeforeItsHighestModseq() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        long a = f.append(msg("a"), "", Instant.now());
        f.append(msg("b"), "", Instant.now());
        f.expunge(List.of(a));
        f.close();
        Path state = dir.resolve(ModseqState.FILE);
        String current = Files.readString(state);
        String old = current.lines().filter(l -> !l.startsWith("x ") && !l.startsWith("vanished "))
                .map(l -> l + "\n").reduce("", String::concat);
        Files.writeString(state, old); // as written before tombstones existed
        MaildirFolder again = MaildirFolder.open(dir);
        long highest = again.highestModseq();
        assertThat(highest).isEqualTo(f.highestModseq()); // the rest of the file still counts
        assertThat(again.expungedSince(highest - 1)).isEmpty();
        assertThat(again.expungedSince(highest)).hasValueSatisfying(u -> assertThat(u).isEmpty());
    }

    @Test
    void aMessageRemovedByAnotherProgramWhileClosedIsAnExpunge() throws Exception {
        MaildirFolder f = MaildirFolder.open(dir);
        long a = f.append(msg("a"), "", Instant.now());
        long b = f.append(msg("b"), "", Instant.now());
        Path fileOfA = f.path(f.byUid(a).orElseThrow());
        long highest = f.highestModseq();
        f.close();
        Files.delete(fileOfA);
        MaildirFolder again = MaildirFolder.open(dir);
        assertThat(again.highestModseq()).isGreaterThan(highest);
        assertThat(again.expungedSince(highest)).hasValueSatisfying(u -> assertThat(u).containsExactly(a));
        assertThat(Files.readString(dir.resolve(DovecotUidList.FILE))).doesNotContain(
                f.byUid(a).orElseThrow().baseName());
        again.close();
        MaildirFolder third = MaildirFolder.open(dir); // told once, not at every open
        assertThat(third.expungedSince(again.highestModseq())).hasValueSatisfying(u -> assertThat(u).isEmpty());
        assertThat(third.byUid(b)).isPresent();
    }
}
