package org.mailwarden.imap;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.mailwarden.store.Mailbox;
import org.mailwarden.store.MessageInfo;

/**
 * One session's view of its selected folder: the message sequence numbers it has announced (a list of UIDs),
 * kept apart from the shared index so that other sessions' changes reach this client only when IMAP allows
 * (RFC 3501 5.2, 7.4.1): new messages and flag changes after any command, expunges only when no command
 * that uses sequence numbers is running.
 */
final class SelectedMailbox {

    final String name;
    final Mailbox folder;
    final boolean readOnly;
    /** CONDSTORE is enabled on the session: flag updates carry UID and MODSEQ (RFC 7162 3.2). */
    boolean condstore;
    /** QRESYNC is enabled on the session: expunges are announced as VANISHED with UIDs (RFC 7162 3.2.10). */
    boolean qresync;
    /** HIGHESTMODSEQ as of {@link #load()}. */
    private long highestAtLoad;
    /** UIDs by sequence number - 1. */
    private long[] uids = new long[16];
    private int count;
    private final Set<Long> recent = new HashSet<>();
    private long seenModseq;
    /** Every UID below this was in the folder's index when this view last took it in (or is gone). */
    private long uidNextSeen = 1;
    private long seenVersion;
    /** A sync without expunges saw a change: expunges may be waiting to be reported. */
    private boolean expungesPending;
    /** The folder's keywords as last announced in FLAGS and PERMANENTFLAGS. */
    private List<String> keywordsAnnounced;
    /** Flag changes this session already reported itself (STORE), by UID: the modseq reported. */
    private final Map<Long, Long> reported = new HashMap<>();

    SelectedMailbox(String name, Mailbox folder, boolean readOnly) {
        this.name = name;
        this.folder = folder;
        this.readOnly = readOnly;
    }

    /** Loads the initial view (SELECT/EXAMINE). */
    void load() throws IOException {
        if (!readOnly) {
            folder.takeNew();
        }
        folder.refresh();
        long seenVersionNow = folder.version();
        long uidNext = folder.nextUid(); // before the list: UIDs below it are in the list or expunged
        long recentFrom = folder.claimRecent(!readOnly);
        highestAtLoad = folder.highestModseq(); // before the list: at worst a change is reported twice
        List<? extends MessageInfo> all = folder.messages();
        for (MessageInfo m : all) {
            add(m.uid());
            if (m.uid() >= recentFrom) {
                recent.add(m.uid());
            }
            seenModseq = Math.max(seenModseq, m.modseq());
        }
        seenVersion = seenVersionNow;
        uidNextSeen = uidNext;
    }

    /** FLAGS and PERMANENTFLAGS with the folder's keywords (SELECT, and whenever a new keyword appears). */
    void announceFlags(Consumer<String> untagged) {
        keywordsAnnounced = List.copyOf(folder.keywords());
        String kw = Flags.keywordList(keywordsAnnounced);
        untagged.accept("FLAGS (" + Flags.SYSTEM + kw + ")");
        untagged.accept("OK [PERMANENTFLAGS (" + (readOnly ? "" : Flags.SYSTEM + kw + " \\*") + ")] Flags permitted");
    }

    /** Announces the flags again if the folder has keywords this session has not announced yet (any session's STORE). */
    void announceNewKeywords(Consumer<String> untagged) {
        if (!folder.keywords().equals(keywordsAnnounced)) {
            announceFlags(untagged);
        }
    }

    private void add(long uid) {
        if (count == uids.length) {
            uids = Arrays.copyOf(uids, count * 2);
        }
        uids[count++] = uid;
    }

    long highestAtLoad() {
        return highestAtLoad;
    }

    /** The highest mod-sequence whose changes this view has reported (or had at load). */
    long highestSeen() {
        return Math.max(highestAtLoad, seenModseq);
    }

    int count() {
        return count;
    }

    long uid(int seq) {
        return uids[seq - 1];
    }

    long maxUid() {
        return count == 0 ? 0 : uids[count - 1];
    }

    /** The sequence number of a UID, or 0. */
    int seqOf(long uid) {
        int i = Arrays.binarySearch(uids, 0, count, uid);
        return i < 0 ? 0 : i + 1;
    }

    boolean isRecent(long uid) {
        return recent.contains(uid);
    }

    int recentCount() {
        return recent.size();
    }

    long seenVersion() {
        return seenVersion;
    }

    void reportedByUs(long uid, long modseq) {
        reported.put(uid, modseq);
    }

    /** The sequence numbers a set names, ascending ({@code uid}: the set holds UIDs). */
    List<Integer> resolve(SequenceSet set, boolean uid) {
        List<Integer> out = new ArrayList<>();
        if (count == 0) {
            return out;
        }
        if (uid) {
            long max = maxUid();
            for (int i = 0; i < count; i++) {
                if (set.contains(uids[i], max)) {
                    out.add(i + 1);
                }
            }
        } else {
            for (int i = 1; i <= count; i++) {
                if (set.contains(i, count)) {
                    out.add(i);
                }
            }
        }
        return out;
    }

    /**
     * Brings the view up to date with the shared index and writes the untagged responses for it: EXPUNGE
     * (if {@code expunges}), FETCH FLAGS, EXISTS and RECENT.
     */
    void sync(boolean expunges, Consumer<String> untagged) throws IOException {
        folder.refresh();
        long version = folder.version();
        if (version == seenVersion && (!expunges || !expungesPending)) {
            return; // nothing changed since this view was last brought up to date (the common case)
        }
        expungesPending = !expunges;
        announceNewKeywords(untagged); // before any FETCH that shows a new keyword
        long uidNext = folder.nextUid();
        List<? extends MessageInfo> all = folder.messages();
        long highest = seenModseq;
        if (expunges) {
            List<Long> vanished = new ArrayList<>();
            // both ascending by UID: walk them together from the end (highest sequence numbers first)
            int j = all.size() - 1;
            for (int i = count - 1; i >= 0; i--) {
                while (j >= 0 && all.get(j).uid() > uids[i]) {
                    j--;
                }
                if (j < 0 || all.get(j).uid() != uids[i]) {
                    if (qresync) {
                        vanished.add(uids[i]);
                    } else {
                        untagged.accept((i + 1) + " EXPUNGE");
                    }
                    recent.remove(uids[i]);
                    System.arraycopy(uids, i + 1, uids, i, count - i - 1);
                    count--;
                }
            }
            if (!vanished.isEmpty()) {
                untagged.accept("VANISHED " + SequenceSet.format(vanished.reversed()));
            }
        }
        long oldMax = maxUid();
        int added = 0;
        for (MessageInfo m : all) {
            if (m.uid() > oldMax) {
                add(m.uid());
                added++;
            } else if (m.modseq() > seenModseq) {
                Long own = reported.get(m.uid());
                int seq = seqOf(m.uid());
                if (seq > 0 && (own == null || own != m.modseq())) {
                    untagged.accept(seq + " FETCH (UID " + m.uid() + (condstore ? " MODSEQ (" + m.modseq() + ")" : "")
                            + " FLAGS (" + Flags.imap(m.flags(), isRecent(m.uid())) + "))");
                }
            }
            highest = Math.max(highest, m.modseq());
        }
        reported.clear();
        seenModseq = highest;
        seenVersion = version;
        uidNextSeen = uidNext;
        if (added > 0) {
            long recentFrom = folder.claimRecent(!readOnly);
            for (int i = count - added; i < count; i++) {
                if (uids[i] >= recentFrom) {
                    recent.add(uids[i]);
                }
            }
            untagged.accept(count + " EXISTS");
            untagged.accept(recent.size() + " RECENT");
        }
    }

    /**
     * VANISHED (EARLIER) for a QRESYNC client that knew the folder as of mod-sequence {@code since}: the UIDs in
     * {@code within} that were expunged after it, compactly ("" if none). UIDs this view still holds are left
     * out (their expunge reaches the client through {@link #sync}). When the folder's record of expunges does
     * not reach back to {@code since}, every UID below the view's UIDNEXT that it does not hold is reported,
     * as RFC 7162 3.2.5.2 allows. {@code *} in {@code within} is the highest UID that may have existed.
     */
    String vanishedSince(long since, SequenceSet within) {
        long last = Math.max(maxUid(), uidNextSeen - 1);
        SequenceSet.Builder out = new SequenceSet.Builder();
        Optional<long[]> expunged = folder.expungedSince(since);
        if (expunged.isPresent()) {
            for (long uid : expunged.get()) {
                if (uid <= last && seqOf(uid) == 0 && within.contains(uid, last)) {
                    out.add(uid);
                }
            }
            return out.toString();
        }
        for (SequenceSet.Range r : within.normalized(last)) {
            long to = Math.min(r.to(), last);
            int i = Arrays.binarySearch(uids, 0, count, r.from());
            i = i < 0 ? -i - 1 : i;
            long next = r.from(); // the lowest UID of this range not yet accounted for
            for (; i < count && uids[i] <= to; i++) {
                if (uids[i] > next) {
                    out.add(next, uids[i] - 1);
                }
                next = uids[i] + 1;
            }
            if (next <= to) {
                out.add(next, to);
            }
        }
        return out.toString();
    }
}
