package org.mailwarden.store;

import java.util.Arrays;

/**
 * A folder's expunged UIDs with the mod-sequence of their expunge, so that QRESYNC clients can be told which of
 * the messages they know have vanished since their last HIGHESTMODSEQ (RFC 7162 3.2.5, VANISHED (EARLIER)).
 *
 * <p>The list is complete only above its {@link #floor()}: every expunge with a mod-sequence greater than the
 * floor is in it. Below the floor (the list was trimmed, or lost in a crash, or the folder predates it) nothing
 * can be said, and the caller must fall back to reporting every UID the client may know that does not exist.
 *
 * <p>Bounded: past {@code max} entries the oldest are dropped and the floor rises to their mod-sequence. Entries
 * are kept in the order they are added, which is ascending mod-sequence. Not thread-safe (the folder's lock).
 */
final class Tombstones {

    /** The default bound: 100,000 UIDs take 1.6 MB. */
    static final int MAX = 100_000;

    private final int max;
    private long floor;
    private long[] uids = new long[16];
    private long[] modseqs = new long[16];
    private int head;
    private int size;

    Tombstones(long floor, int max) {
        this.floor = floor;
        this.max = max;
    }

    Tombstones(long floor) {
        this(floor, MAX);
    }

    /** The list holds every expunge with a mod-sequence above this. */
    long floor() {
        return floor;
    }

    int size() {
        return size;
    }

    /** Records an expunge; {@code modseq} must not be lower than any recorded before. */
    void add(long uid, long modseq) {
        if (size == max) {
            floor = Math.max(floor, modseqs[head]);
            head++;
            size--;
        }
        if (head + size == uids.length) {
            if (head > uids.length / 2) { // mostly trimmed: slide down instead of growing
                System.arraycopy(uids, head, uids, 0, size);
                System.arraycopy(modseqs, head, modseqs, 0, size);
            } else {
                int capacity = Math.min(Math.max(16, uids.length * 2), Math.max(max, 16));
                uids = Arrays.copyOfRange(uids, head, head + capacity);
                modseqs = Arrays.copyOfRange(modseqs, head, head + capacity);
            }
            head = 0;
        }
        uids[head + size] = uid;
        modseqs[head + size] = modseq;
        size++;
    }

    /** Whether {@link #since} can answer for a client that knows the folder as of {@code modseq}. */
    boolean completeSince(long modseq) {
        return modseq >= floor;
    }

    /** Every UID expunged with a mod-sequence above {@code modseq}, ascending. */
    long[] since(long modseq) {
        int from = size;
        while (from > 0 && modseqs[head + from - 1] > modseq) {
            from--;
        }
        long[] out = Arrays.copyOfRange(uids, head + from, head + size);
        Arrays.sort(out);
        return out;
    }

    /** The UID of the {@code i}th entry, oldest first. */
    long uidAt(int i) {
        return uids[head + i];
    }

    /** The mod-sequence of the {@code i}th entry's expunge. */
    long modseqAt(int i) {
        return modseqs[head + i];
    }
}
