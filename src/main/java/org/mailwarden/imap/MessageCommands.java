package org.mailwarden.imap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mailwarden.store.FlagChange;
import org.mailwarden.store.FlagResult;
import org.mailwarden.store.Mailbox;
import org.mailwarden.store.MessageFlags;
import org.mailwarden.store.MessageInfo;
import org.mailwarden.store.SystemFlag;

/** The commands on the messages of the selected folder: EXPUNGE, SEARCH, FETCH, STORE, COPY and MOVE. */
record MessageCommands(SessionContext session, ImapServer server) {

    void expunge(String tag, SequenceSet uids) throws IOException {
        if (session.selected().readOnly) {
            session.tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
            return;
        }
        expungeDeleted(uids, true);
        session.ok(tag, "EXPUNGE completed");
    }

    void expungeDeleted(SequenceSet uidSet, boolean report) throws IOException {
        SelectedMailbox selected = session.selected();
        List<Long> doomed = new ArrayList<>();
        for (int seq = 1; seq <= selected.count(); seq++) {
            long uid = selected.uid(seq);
            if (uidSet != null && !uidSet.contains(uid, selected.maxUid())) {
                continue;
            }
            Optional<? extends MessageInfo> m = selected.folder.byUid(uid);
            if (m.isPresent() && m.get().flags().has(SystemFlag.DELETED)) {
                doomed.add(uid);
            }
        }
        selected.folder.expunge(doomed);
        if (report) {
            session.syncSelected(true);
        }
    }

    void search(String tag, ImapCommand.Search s) throws IOException {
        SelectedMailbox selected = session.selected();
        boolean modseqKey = usesModseq(s.key());
        if (modseqKey) {
            session.enableCondstore();
        }
        session.syncSelected(false);
        Snapshot index = new Snapshot(selected.folder);
        Map<SearchKey.Header, long[]> headerHits = headerHits(selected, index, s.key());
        Found found = new Found();
        if (s.key() instanceof SearchKey.Header h && headerHits.containsKey(h)) {
            // one header key, answered for the whole folder at once: its matches are the answer
            for (long uid : headerHits.get(h)) {
                int seq = selected.seqOf(uid);
                if (seq > 0) {
                    found.add(s.uid() ? uid : seq, 0);
                }
            }
        } else {
            for (int seq = 1; seq <= selected.count(); seq++) {
                MessageInfo m = index.get(selected.uid(seq));
                if (m == null) {
                    continue; // expunged by another session, not yet reported
                }
                try (Search search = new Search(selected, seq, m, headerHits)) {
                    if (search.matches(s.key())) {
                        found.add(s.uid() ? selected.uid(seq) : seq, m.modseq());
                    }
                }
            }
        }
        session.untagged(s.returns().isEmpty() ? found.search(modseqKey) : found.esearch(tag, s, modseqKey));
        session.okCode(tag, null, (s.uid() ? "UID " : "") + "SEARCH completed", s.uid());
    }

    /** What a search found: sequence numbers or UIDs, ascending, with each message's mod-sequence. */
    private static final class Found {
        private long[] numbers = new long[16];
        private long[] modseqs = new long[16];
        private int n;

        void add(long number, long modseq) {
            if (n == numbers.length) {
                numbers = Arrays.copyOf(numbers, n * 2);
                modseqs = Arrays.copyOf(modseqs, n * 2);
            }
            numbers[n] = number;
            modseqs[n++] = modseq;
        }

        private long highestModseq() {
            long h = 0;
            for (int i = 0; i < n; i++) {
                h = Math.max(h, modseqs[i]);
            }
            return h;
        }

        /** The SEARCH response; with the highest mod-sequence found when the key has MODSEQ (RFC 7162 3.1.5). */
        String search(boolean modseqKey) {
            StringBuilder sb = new StringBuilder("SEARCH");
            for (int i = 0; i < n; i++) {
                sb.append(' ').append(numbers[i]);
            }
            if (modseqKey && n > 0) {
                sb.append(" (MODSEQ ").append(highestModseq()).append(')');
            }
            return sb.toString();
        }

        /**
         * The ESEARCH response (RFC 4731 3.1): MIN, MAX and ALL only when something was found, COUNT always if
         * asked; with a MODSEQ key, the mod-sequence of the messages returned (3.2): those of MIN and MAX alone,
         * else of all that were found.
         */
        String esearch(String tag, ImapCommand.Search s, boolean modseqKey) {
            Set<ImapCommand.Search.Return> r = s.returns();
            StringBuilder sb = new StringBuilder("ESEARCH (TAG \"").append(tag).append("\")");
            if (s.uid()) {
                sb.append(" UID");
            }
            if (n > 0 && r.contains(ImapCommand.Search.Return.MIN)) {
                sb.append(" MIN ").append(numbers[0]);
            }
            if (n > 0 && r.contains(ImapCommand.Search.Return.MAX)) {
                sb.append(" MAX ").append(numbers[n - 1]);
            }
            if (r.contains(ImapCommand.Search.Return.COUNT)) {
                sb.append(" COUNT ").append(n);
            }
            if (n > 0 && r.contains(ImapCommand.Search.Return.ALL)) {
                SequenceSet.Builder all = new SequenceSet.Builder();
                for (int i = 0; i < n; i++) {
                    all.add(numbers[i]);
                }
                sb.append(" ALL ").append(all);
            }
            if (modseqKey && n > 0) {
                boolean every = r.contains(ImapCommand.Search.Return.ALL) || r.contains(ImapCommand.Search.Return.COUNT);
                long modseq = every ? highestModseq() : Math.max(
                        r.contains(ImapCommand.Search.Return.MIN) ? modseqs[0] : 0,
                        r.contains(ImapCommand.Search.Return.MAX) ? modseqs[n - 1] : 0);
                sb.append(" MODSEQ ").append(modseq);
            }
            return sb.toString();
        }
    }

    /**
     * The header keys that the folder's columns answer for every message of the snapshot at once (see
     * {@link Mailbox#headerMatches}): their matching UIDs, ascending.
     */
    private static Map<SearchKey.Header, long[]> headerHits(SelectedMailbox selected, Snapshot index, SearchKey key)
            throws IOException {
        Map<SearchKey.Header, long[]> hits = new HashMap<>();
        boolean build = !narrow(key, selected);
        for (SearchKey.Header h : headerKeys(key, new ArrayList<>())) {
            if (!hits.containsKey(h)) {
                selected.folder.headerMatches(h.field(), h.value(), index.all, build).ifPresent(uids -> hits.put(h, uids));
            }
        }
        return hits;
    }

    private static List<SearchKey.Header> headerKeys(SearchKey k, List<SearchKey.Header> out) {
        switch (k) {
            case SearchKey.Header h -> out.add(h);
            case SearchKey.Address a -> out.addAll(Search.columnKeys(a));
            case SearchKey.Not(SearchKey inner) -> headerKeys(inner, out);
            case SearchKey.Or(SearchKey a, SearchKey b) -> {
                headerKeys(a, out);
                headerKeys(b, out);
            }
            case SearchKey.And(List<SearchKey> keys) -> keys.forEach(key -> headerKeys(key, out));
            case SearchKey.All _, SearchKey.Flag _, SearchKey.Recent _, SearchKey.New _, SearchKey.Sequence _,
                    SearchKey.Uids _, SearchKey.Text _, SearchKey.Date _, SearchKey.Size _, SearchKey.Modseq _ -> { }
        }
        return out;
    }

    /**
     * Whether the search is limited to fewer than half the messages by sequence numbers or UIDs: then a header key
     * looks at those messages only, rather than reading every message to build a column the folder lacks.
     */
    private static boolean narrow(SearchKey k, SelectedMailbox box) {
        return switch (k) {
            case SearchKey.Sequence(SequenceSet set) -> span(set, box.count()) < box.count() / 2;
            case SearchKey.Uids(SequenceSet set) -> span(set, box.maxUid()) < box.count() / 2;
            case SearchKey.And(List<SearchKey> keys) -> keys.stream().anyMatch(key -> narrow(key, box));
            case SearchKey.All _, SearchKey.Flag _, SearchKey.Recent _, SearchKey.New _, SearchKey.Header _,
                    SearchKey.Address _, SearchKey.Text _, SearchKey.Date _, SearchKey.Size _, SearchKey.Modseq _,
                    SearchKey.Not _, SearchKey.Or _ -> false;
        };
    }

    /** How many numbers the set names, {@code *} being {@code max} (an upper bound for UIDs). */
    private static long span(SequenceSet set, long max) {
        long n = 0;
        for (SequenceSet.Range r : set.normalized(max)) {
            n += r.to() - r.from() + 1;
        }
        return n;
    }

    private static boolean usesModseq(SearchKey k) {
        return switch (k) {
            case SearchKey.Modseq m -> true;
            case SearchKey.Not(SearchKey inner) -> usesModseq(inner);
            case SearchKey.Or(SearchKey a, SearchKey b) -> usesModseq(a) || usesModseq(b);
            case SearchKey.And(List<SearchKey> keys) -> keys.stream().anyMatch(MessageCommands::usesModseq);
            case SearchKey.All _, SearchKey.Flag _, SearchKey.Recent _, SearchKey.New _, SearchKey.Sequence _,
                    SearchKey.Uids _, SearchKey.Header _, SearchKey.Address _, SearchKey.Text _, SearchKey.Date _,
                    SearchKey.Size _ -> false;
        };
    }

    /** Messages by ascending UID from one copy of the folder's index: one lock per command, not per message. */
    static final class Snapshot {
        private final List<? extends MessageInfo> all;
        private int next;

        Snapshot(Mailbox folder) {
            all = folder.messages();
        }

        /** The message with this UID, or null; ask for UIDs in ascending order. */
        MessageInfo get(long uid) {
            while (next < all.size() && all.get(next).uid() < uid) {
                next++;
            }
            return next < all.size() && all.get(next).uid() == uid ? all.get(next) : null;
        }
    }

    void fetch(String tag, ImapCommand.Fetch f) throws IOException {
        SelectedMailbox selected = session.selected();
        if (f.vanished() && !session.qresync()) {
            session.bad(tag, "VANISHED needs ENABLE QRESYNC first", "bad-state");
            return;
        }
        List<FetchItem> items = new ArrayList<>(f.items());
        if (f.changedSince() >= 0 && items.stream().noneMatch(i -> i instanceof FetchItem.Modseq)) {
            items.add(new FetchItem.Modseq()); // CHANGEDSINCE implies MODSEQ (RFC 7162 3.1.4.1)
        }
        if (items.stream().anyMatch(i -> i instanceof FetchItem.Modseq)) {
            session.enableCondstore();
        }
        if (f.vanished()) { // UID FETCH ... (CHANGEDSINCE m VANISHED), RFC 7162 3.2.6
            String vanished = selected.vanishedSince(f.changedSince(), f.set());
            if (!vanished.isEmpty()) {
                session.untagged("VANISHED (EARLIER) " + vanished);
            }
        }
        if (f.uid() && items.stream().noneMatch(i -> i instanceof FetchItem.Uid)) {
            items.addFirst(new FetchItem.Uid());
        }
        boolean needsFile = items.stream().anyMatch(i -> i instanceof FetchItem.Section
                || i instanceof FetchItem.Envelope || i instanceof FetchItem.Structure);
        boolean setsSeen = !selected.readOnly && items.stream()
                .anyMatch(i -> i instanceof FetchItem.Section sec && !sec.peek());
        List<Integer> seqs = selected.resolve(f.set(), f.uid());
        Snapshot index = seqs.size() > 64 ? new Snapshot(selected.folder) : null;
        // the command's buffers, whatever the messages' sizes: one to read files through, one for the answer
        byte[] fileBuffer = needsFile ? new byte[FILE_BUFFER] : null;
        BufferedOutputStream out = new BufferedOutputStream(new SessionOutput(session), OUT_BUFFER);
        try {
            for (int seq : seqs) {
                long uid = selected.uid(seq);
                MessageInfo m = index != null ? index.get(uid) : selected.folder.byUid(uid).orElse(null);
                if (m == null || f.changedSince() >= 0 && m.modseq() <= f.changedSince()) {
                    continue;
                }
                MessageFile file = needsFile ? MessageFile.open(selected.folder, m, fileBuffer).orElse(null) : null;
                if (needsFile && file == null) {
                    continue; // gone
                }
                try {
                    fetchOne(seq, m, file, items, setsSeen, out);
                } finally {
                    if (file != null) {
                        file.close();
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            out.flush(); // the answers buffered are whole (see fetchOne): they go out before the NO
            throw e;
        }
        out.flush();
        session.okCode(tag, null, (f.uid() ? "UID " : "") + "FETCH completed", f.uid());
    }

    private static final FlagChange SET_SEEN = new FlagChange.Add(MessageFlags.of(SystemFlag.SEEN));

    /** Files are read through this much per FETCH command; a message up to this size is read once. */
    private static final int FILE_BUFFER = 32 * 1024;
    /** A FETCH's answers are written to the connection in pieces of this size. */
    private static final int OUT_BUFFER = 16 * 1024;

    /** The session's output as a stream (a FETCH's answers, message octets included, go through it). */
    private static final class SessionOutput extends OutputStream {
        private final SessionContext session;

        SessionOutput(SessionContext session) {
            this.session = session;
        }

        @Override
        public void write(int b) {
            session.write(new byte[] {(byte) b});
        }

        @Override
        public void write(byte[] b, int off, int len) {
            session.write(b, off, len);
        }
    }

    /**
     * One message's FETCH response; message sections go from {@code file} to {@code out} as they are read. A failure
     * after part of the response went out ends the connection (unchecked): the client cannot tell what follows.
     */
    private void fetchOne(int seq, MessageInfo found, MessageFile file, List<FetchItem> items,
            boolean setsSeen, OutputStream out) throws IOException {
        SelectedMailbox selected = session.selected();
        MessageInfo m = found;
        long uid = m.uid();
        boolean flagsChanged = false;
        if (setsSeen && !m.flags().has(SystemFlag.SEEN)) {
            if (selected.folder.changeFlags(uid, SET_SEEN, -1) instanceof FlagResult.Stored(MessageInfo updated)) {
                m = updated;
                selected.reportedByUs(uid, m.modseq());
                flagsChanged = true;
            }
        }
        ImapWriter w = new ImapWriter().raw("* " + seq + " FETCH (");
        boolean flagsShown = false;
        boolean started = false;
        try {
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    w.raw(' ');
                }
                switch (items.get(i)) {
                    case FetchItem.Uid u -> w.raw("UID ").number(uid);
                    case FetchItem.Flags fl -> {
                        w.raw("FLAGS (" + Flags.imap(m.flags(), selected.isRecent(uid)) + ")");
                        flagsShown = true;
                    }
                    case FetchItem.InternalDate d -> w.raw("INTERNALDATE \"" + ImapParser.DATE_TIME_OUT.format(
                            selected.folder.receivedDate(m).atZone(ZoneId.systemDefault())) + "\"");
                    case FetchItem.Modseq ms -> w.raw("MODSEQ (").number(m.modseq()).raw(")");
                    case FetchItem.Size sz -> w.raw("RFC822.SIZE ").number(file != null ? file.networkSize()
                            : selected.folder.virtualSize(m));
                    case FetchItem.Envelope e -> {
                        w.raw("ENVELOPE ");
                        FetchData.envelope(w, file.header());
                    }
                    case FetchItem.Structure st -> {
                        w.raw(st.extensible() ? "BODYSTRUCTURE " : "BODY ");
                        FetchData.structure(w, file.structure(), st.extensible());
                    }
                    case FetchItem.Section sec -> started |= section(sec, file, w, out);
                }
            }
        } catch (IOException e) {
            if (started) {
                throw new UncheckedIOException(e);
            }
            throw e;
        }
        if (flagsChanged && !flagsShown) {
            w.raw(" FLAGS (" + Flags.imap(m.flags(), selected.isRecent(uid)) + ")");
        }
        if (flagsChanged && session.condstore() && items.stream().noneMatch(i -> i instanceof FetchItem.Modseq)) {
            w.raw(" MODSEQ (").number(m.modseq()).raw(")");
        }
        w.raw(")\r\n");
        w.drainTo(out);
    }

    /**
     * BODY[section]&lt;partial&gt;: a range of the message is streamed from the file to {@code out}, after what
     * {@code w} holds (true: part of the response went out); what is made here (HEADER.FIELDS) goes into {@code w}.
     */
    private static boolean section(FetchItem.Section sec, MessageFile file, ImapWriter w, OutputStream out)
            throws IOException {
        FetchData.Content content = sec.part().length == 0 && sec.text().isEmpty() ? file.whole()
                : FetchData.section(FetchData.needsStructure(sec) ? file.structure() : file.header(), sec);
        if (content == null) {
            content = new FetchData.Content.Bytes(new byte[0]);
        }
        long from = sec.offset() >= 0 ? Math.min(sec.offset(), content.size()) : 0;
        long len = sec.offset() >= 0 ? Math.min(sec.length(), content.size() - from) : content.size();
        w.raw(sec.label()).raw(' ');
        switch (content) {
            case FetchData.Content.Bytes(byte[] b) -> {
                w.literal(b, (int) from, (int) len);
                return false;
            }
            case FetchData.Content.Range r -> {
                w.raw("{" + len + "}\r\n");
                w.drainTo(out);
                try {
                    file.copy(r, from, len, out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // the literal is cut: the connection cannot go on
                }
                return true;
            }
        }
    }

    void store(String tag, ImapCommand.Store s) throws IOException {
        SelectedMailbox selected = session.selected();
        if (selected.readOnly) {
            session.tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
            return;
        }
        Mailbox folder = selected.folder;
        if (s.unchangedSince() >= 0) {
            session.enableCondstore();
        }
        boolean condstore = session.condstore();
        MessageFlags flags = Flags.parse(s.flags());
        FlagChange change = switch (s.mode()) {
            case REPLACE -> new FlagChange.Replace(flags);
            case ADD -> new FlagChange.Add(flags);
            case REMOVE -> new FlagChange.Remove(flags);
        };
        List<Long> modified = new ArrayList<>();
        for (int seq : selected.resolve(s.set(), s.uid())) {
            long uid = selected.uid(seq);
            MessageInfo updated;
            switch (folder.changeFlags(uid, change, s.unchangedSince())) {
                case FlagResult.Stored(MessageInfo now) -> updated = now;
                case FlagResult.Modified(MessageInfo now) -> {
                    modified.add(s.uid() ? uid : seq); // changed since the client looked: not touched (RFC 7162 3.1.3)
                    continue;
                }
                case FlagResult.Gone() -> {
                    continue;
                }
            }
            selected.reportedByUs(uid, updated.modseq());
            selected.announceNewKeywords(session::untagged);
            String ids = (s.uid() || condstore ? "UID " + uid + " " : "")
                    + (condstore ? "MODSEQ (" + updated.modseq() + ")" : "");
            if (!s.silent()) {
                session.untagged(seq + " FETCH (" + ids + (condstore ? " " : "") + "FLAGS ("
                        + Flags.imap(updated.flags(), selected.isRecent(uid)) + "))");
            } else if (condstore) {
                session.untagged(seq + " FETCH (" + ids + ")");
            }
        }
        String code = modified.isEmpty() ? null : "MODIFIED " + SequenceSet.format(modified);
        session.okCode(tag, code, (s.uid() ? "UID " : "") + "STORE completed", s.uid());
    }

    void copy(String tag, ImapCommand.Copy c) throws IOException {
        SelectedMailbox selected = session.selected();
        String verb = (c.uid() ? "UID " : "") + (c.move() ? "MOVE" : "COPY");
        if (c.move() && selected.readOnly) {
            session.tagged(tag, "NO [READ-ONLY] Mailbox is read-only");
            return;
        }
        if (!session.account().exists(c.mailbox())) {
            session.tagged(tag, "NO [TRYCREATE] Mailbox does not exist: " + c.mailbox());
            return;
        }
        List<Integer> seqs = selected.resolve(c.set(), c.uid());
        if (!c.move() && server.quotas.limit(session.login()) > 0) {
            // a MOVE stays within the account's one quota root: it never adds usage, so it is never refused
            long size = 0;
            for (int seq : seqs) {
                Optional<? extends MessageInfo> m = selected.folder.byUid(selected.uid(seq));
                if (m.isPresent()) {
                    size += selected.folder.storedSize(m.get());
                }
            }
            if (!server.quotas.allows(session.login(), size)) {
                session.tagged(tag, MailboxCommands.OVER_QUOTA);
                return;
            }
        }
        List<Long> from = new ArrayList<>();
        List<Long> to = new ArrayList<>();
        Mailbox target = session.account().acquire(c.mailbox());
        try {
            for (int seq : seqs) {
                long uid = selected.uid(seq);
                Optional<Long> copied = selected.folder.copyTo(uid, target);
                if (copied.isPresent()) {
                    from.add(uid);
                    to.add(copied.get());
                }
            }
        } finally {
            session.account().release(target);
        }
        String code = from.isEmpty() ? null : "COPYUID " + target.uidValidity() + " " + SequenceSet.format(from)
                + " " + SequenceSet.format(to);
        if (!c.move()) {
            session.okCode(tag, code, verb + " completed", c.uid());
            return;
        }
        if (code != null) {
            session.untagged("OK [" + code + "] Moved");
        }
        selected.folder.expunge(from);
        session.okCode(tag, null, verb + " completed", true);
    }
}
