package org.mailwarden.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory index of one Maildir folder, shared by every session that has it open: UIDs from
 * {@code dovecot-uidlist}, flags from the file names' {@code :2,} info, keywords from {@code dovecot-keywords}.
 * Built from the uidlist and a directory listing, never by reading message files, so opening a folder of
 * 100,000 messages costs one listing of cur/.
 *
 * <p>Every change (new mail, flags, expunge) bumps {@link #version()} and calls the {@link #watch} callbacks;
 * deliveries from SMTP call {@link #deliveryNotice()}, which makes the next {@link #refresh()} scan new/.
 *
 * <p>Thread-safe: one lock per folder; file renames happen under it, so sessions of this process never race
 * each other. Changes made by other processes are picked up by {@link #refresh()} (directory mtimes).
 */
public final class MaildirFolder implements Mailbox {

    /** System flags as Maildir letters (see {@link MaildirLetters}). */
    public static final String SYSTEM_FLAGS = MaildirLetters.SYSTEM;

    private static final MaildirNames NAMES = new MaildirNames(MaildirNames.localHostname());

    /**
     * One message. {@code letters} are the letters of the file name's info part, sorted (system flags upper case,
     * keywords a-z), {@code flags} what they mean through the folder's keywords; {@code vsize} the size with CRLF
     * line ends (W=), -1 until known.
     */
    public record Message(long uid, String baseName, String fileName, boolean inNew, String letters,
            MessageFlags flags, long modseq, long vsize) implements MessageInfo {

        public boolean has(char letter) {
            return letters.indexOf(letter) >= 0;
        }

        /** S= of the file name, else -1. */
        @Override
        public long storedSize() {
            return MaildirFileName.parse(baseName).size().orElse(-1);
        }

        Message with(String newFileName, boolean isNew, String newLetters, MessageFlags newFlags, long newModseq) {
            return new Message(uid, baseName, newFileName, isNew, newLetters, newFlags, newModseq, vsize);
        }
    }

    private static final SystemFlag[] SYSTEM = SystemFlag.values();

    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    /** See {@link #watch}: IDLE sessions, a few per folder. */
    private final List<Runnable> watchers = new CopyOnWriteArrayList<>();
    /** By UID ascending. */
    private final ArrayList<Message> messages = new ArrayList<>();
    private final List<String> keywords;
    /** What each set of letters seen means ({@link #flagsOf}): a folder's messages share a few. Under the lock. */
    private final Map<String, MessageFlags> meanings = new HashMap<>();
    private long uidValidity;
    private long nextUid;
    private String guid;
    private long highestModseq;
    /** Mod-sequences up to here are covered by the state file's reservation (see {@link ModseqState}). */
    private long reserved;
    /** The state file no longer describes the index: write a clean snapshot at {@link #close()}. */
    private boolean dirty;
    /** Expunged UIDs with the modseq of their expunge, for QRESYNC (see {@link ModseqState}). */
    private Tombstones tombstones;
    /** During {@link #load()}: the modseqs of the last clean close, by UID. */
    private Map<Long, ModseqState.Entry> restored = Map.of();
    /** How many mod-sequences one reservation write covers. */
    static final long RESERVE_BLOCK = 1000;
    private long version;
    /**
     * Lines of the uidlist whose message we expunged: like Dovecot, the file is not rewritten for every
     * expunge (a reader skips lines without a file), only when these pile up ({@link #compactUidList}) and
     * when the last session closes the folder.
     */
    private int staleRecords;
    static final int STALE_RECORDS_MIN = 200;
    private long firstRecentUid;
    private boolean deliveryPending;
    private FileTime newMtime;
    private FileTime curMtime;
    /**
     * Message headers read for SEARCH, by base name (a Maildir file's content never changes, only its name's
     * flags), so that header searches do not read every file again; bounded by {@link #HEADER_CACHE_MAX}.
     */
    private final Map<String, String> headerCache = new ConcurrentHashMap<>();
    private final AtomicLong headerCacheBytes = new AtomicLong();
    static final long HEADER_CACHE_MAX = 16L * 1024 * 1024;
    /** All open folders' header caches together: the heap is bounded, the number of open folders is not. */
    static final long HEADER_CACHE_TOTAL_MAX = 64L * 1024 * 1024;
    private static final AtomicLong HEADER_CACHE_TOTAL = new AtomicLong();

    /** SEARCH's header columns (see {@link HeaderIndex}), loaded at the first header search. */
    private final HeaderIndex headerIndex;

    private MaildirFolder(Path dir, List<String> keywords) {
        this.dir = dir;
        this.keywords = keywords;
        this.headerIndex = new HeaderIndex(dir);
    }

    /** Opens the folder at {@code dir} (which must exist with cur/ new/ tmp/), creating its uidlist if missing. */
    public static MaildirFolder open(Path dir) throws IOException {
        MaildirFolder f = new MaildirFolder(dir, DovecotKeywords.read(dir));
        f.load();
        return f;
    }

    public Path dir() {
        return dir;
    }

    private void load() throws IOException {
        Maildirs.cleanLeftovers(dir, Instant.now());
        Optional<DovecotUidList.Contents> list = DovecotUidList.read(dir);
        Map<String, Long> known = list.map(DovecotUidList.Contents::uids).orElse(Map.of());
        uidValidity = list.isPresent() ? list.get().uidValidity() : UidValidities.next(dir);
        nextUid = list.map(DovecotUidList.Contents::nextUid).orElse(1L);
        guid = list.map(DovecotUidList.Contents::guid).filter(g -> g != null && !g.isEmpty())
                .orElse(DovecotUidList.newGuid());
        newMtime = mtime("new");
        curMtime = mtime("cur");
        ModseqState state = ModseqState.read(dir);
        // 1 is the floor: HIGHESTMODSEQ 1 for an empty folder, the first change gets 2
        highestModseq = Math.max(1, Math.max(state.reserved(), state.cleanHighest()));
        reserved = highestModseq;
        boolean sameFolder = state.clean() && state.uidValidity() == uidValidity;
        if (sameFolder) {
            restored = state.messages();
        }
        // expunges up to here are known only if a clean close listed them (after a crash they are not); a
        // folder without a uidlist has never given out a UID, so none can have vanished
        tombstones = sameFolder && state.tombstones() != null ? state.tombstones()
                : new Tombstones(list.isEmpty() ? 0 : highestModseq);
        List<MaildirEntry> entries = Maildirs.list(dir);
        List<MaildirEntry> unknown = new ArrayList<>();
        Set<Long> present = new HashSet<>();
        for (MaildirEntry e : entries) {
            Long uid = known.get(e.name().baseName());
            if (uid == null) {
                unknown.add(e);
            } else {
                messages.add(toMessage(uid, e));
                present.add(uid);
            }
        }
        messages.sort((a, b) -> Long.compare(a.uid(), b.uid()));
        // in the uidlist but without a file: removed by another program while no index was open
        List<Long> gone = new ArrayList<>();
        for (long uid : known.values()) {
            if (!present.contains(uid)) {
                gone.add(uid);
            }
        }
        expunged(gone);
        long firstNew = Long.MAX_VALUE;
        for (Message m : messages) {
            if (m.inNew()) {
                firstNew = Math.min(firstNew, m.uid());
            }
        }
        Map<String, Long> added = assign(unknown);
        for (Message m : messages) {
            if (m.inNew()) {
                firstNew = Math.min(firstNew, m.uid());
            }
        }
        firstRecentUid = Math.min(firstNew, nextUid);
        restored = Map.of();
        if (list.isEmpty() || !gone.isEmpty()) {
            persistAll();
        } else if (!added.isEmpty()) {
            DovecotUidList.append(dir, added);
        }
    }

    private Message toMessage(long uid, MaildirEntry e) throws IOException {
        String fileName = e.path().getFileName().toString();
        long vsize = e.name().virtualSize().orElse(-1);
        String flags = sortFlags(e.name().flags());
        ModseqState.Entry before = restored.get(uid);
        long modseq = before != null && before.flags().equals(flags) ? before.modseq() : nextModseq();
        return new Message(uid, e.name().baseName(), fileName, e.isNew(), flags, flagsOf(flags), modseq, vsize);
    }

    /** The next mod-sequence, reserved on disk before it is handed out. Under the lock (or during open). */
    private long nextModseq() throws IOException {
        long m = ++highestModseq;
        if (m > reserved) {
            reserved = Math.max(m, ModseqState.reservedOnDisk(dir)) + RESERVE_BLOCK;
            ModseqState.write(dir, reserved, -1, 0, List.of(), null);
            dirty = true;
        }
        return m;
    }

    /**
     * Called when no session has the folder open any more: writes each message's modseq so that the next open
     * keeps them (see {@link ModseqState}). Does nothing if nothing changed since the last clean close.
     */
    public void close() {
        // the last session left: give the header caches' share of the global budgets back
        headerCache.keySet().forEach(this::uncache);
        headerIndex.close();
        lock.lock();
        try {
            if (staleRecords > 0) {
                persistAll();
            }
            if (dirty) {
                ModseqState.write(dir, highestModseq, highestModseq, uidValidity, messages, tombstones);
                reserved = highestModseq;
                dirty = false;
            }
        } catch (IOException e) {
            // the folder was deleted or renamed meanwhile; its next open starts from the reservation
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that these UIDs are gone: one new mod-sequence for all of them (an expunge is a change of the
     * folder, RFC 7162 3.1.1), remembered for VANISHED. Under the lock (or during open).
     */
    private void expunged(List<Long> uids) throws IOException {
        if (uids.isEmpty()) {
            return;
        }
        long modseq = nextModseq();
        List<Long> sorted = new ArrayList<>(uids);
        sorted.sort(null);
        for (long uid : sorted) {
            tombstones.add(uid, modseq);
        }
    }

    /** Gives UIDs to files not in the index, in the order given (delivery order); returns the new uidlist records. */
    private Map<String, Long> assign(List<MaildirEntry> unknown) throws IOException {
        Map<String, Long> added = new LinkedHashMap<>();
        for (MaildirEntry e : unknown) {
            long uid = nextUid++;
            messages.add(toMessage(uid, e));
            added.put(e.name().baseName(), uid);
        }
        return added;
    }

    private void persistAll() throws IOException {
        Map<String, Long> records = new LinkedHashMap<>();
        for (Message m : messages) {
            records.put(m.baseName(), m.uid());
        }
        DovecotUidList.write(dir, uidValidity, nextUid, guid, records);
        staleRecords = 0;
    }

    /** After expunges: rewrites the uidlist once its stale lines are many, in number and against the live ones. */
    private void compactUidList(int expunged) throws IOException {
        staleRecords += expunged;
        if (staleRecords >= STALE_RECORDS_MIN && staleRecords >= messages.size() / 4) {
            persistAll();
        }
    }

    private FileTime mtime(String sub) {
        try {
            return Files.getLastModifiedTime(dir.resolve(sub));
        } catch (IOException e) {
            return null;
        }
    }

    // ---- reading ---------------------------------------------------------------------------------------

    @Override
    public long uidValidity() {
        lock.lock();
        try {
            return uidValidity;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long nextUid() {
        lock.lock();
        try {
            return nextUid;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long highestModseq() {
        lock.lock();
        try {
            return highestModseq;
        } finally {
            lock.unlock();
        }
    }

    /** Bumped by every change. */
    @Override
    public long version() {
        lock.lock();
        try {
            return version;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The UIDs expunged after mod-sequence {@code since}, ascending; empty when this folder cannot tell because
     * its record of expunges does not reach back that far (then any UID that is not in the folder may have
     * vanished since, RFC 7162 3.2.5.2).
     */
    @Override
    public Optional<long[]> expungedSince(long since) {
        lock.lock();
        try {
            if (!tombstones.completeSince(since)) {
                return Optional.empty();
            }
            return Optional.of(tombstones.since(since));
        } finally {
            lock.unlock();
        }
    }

    /** A copy of the index, by UID ascending. */
    @Override
    public List<Message> messages() {
        lock.lock();
        try {
            return List.copyOf(messages);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int size() {
        lock.lock();
        try {
            return messages.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Message> byUid(long uid) {
        lock.lock();
        try {
            int i = indexOf(uid);
            return i < 0 ? Optional.empty() : Optional.of(messages.get(i));
        } finally {
            lock.unlock();
        }
    }

    private int indexOf(long uid) {
        int lo = 0;
        int hi = messages.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long u = messages.get(mid).uid();
            if (u < uid) {
                lo = mid + 1;
            } else if (u > uid) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Keywords by letter index ('a' = 0); an empty string is an unused slot. */
    public List<String> keywordSlots() {
        lock.lock();
        try {
            return List.copyOf(keywords);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The letter for a keyword (case-insensitive match, RFC 3501 keywords are case-insensitive), defining it
     * in {@code dovecot-keywords} when {@code create}; empty when unknown or when all 26 letters are taken.
     */
    public Optional<Character> keywordLetter(String keyword, boolean create) throws IOException {
        lock.lock();
        try {
            for (int i = 0; i < keywords.size(); i++) {
                if (keywords.get(i).equalsIgnoreCase(keyword)) {
                    return Optional.of((char) ('a' + i));
                }
            }
            if (!create) {
                return Optional.empty();
            }
            int slot = keywords.indexOf("");
            if (slot < 0) {
                if (keywords.size() >= DovecotKeywords.MAX) {
                    return Optional.empty();
                }
                keywords.add(keyword);
                slot = keywords.size() - 1;
            } else {
                keywords.set(slot, keyword);
            }
            DovecotKeywords.write(dir, keywords);
            meanings.clear(); // a letter means a keyword now
            return Optional.of((char) ('a' + slot));
        } finally {
            lock.unlock();
        }
    }

    /** The file of a message as the index knows it. */
    public Path path(Message m) {
        return dir.resolve(m.inNew() ? "new" : "cur").resolve(m.fileName());
    }

    /**
     * The message's bytes as stored (LF line ends). If another process renamed the file meanwhile (flags),
     * the folder is rescanned once; empty if the message is gone.
     */
    public Optional<byte[]> read(long uid) throws IOException {
        Optional<FileChannel> file = openMessage(uid);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream in = java.nio.channels.Channels.newInputStream(file.get())) {
            return Optional.of(in.readAllBytes());
        }
    }

    /**
     * The message's file as a stream (as stored, LF line ends), for a caller that streams it rather than holding it
     * whole; the caller closes it. Empty if the message is gone.
     */
    @Override
    public Optional<InputStream> open(long uid) throws IOException {
        return openMessage(uid).map(java.nio.channels.Channels::newInputStream);
    }

    /** The message's file, open for reading (see {@link #read}); empty if the message is gone. */
    public Optional<FileChannel> openMessage(long uid) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            Optional<Message> m = byUid(uid);
            if (m.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(FileChannel.open(path(m.get()), StandardOpenOption.READ));
            } catch (NoSuchFileException e) {
                refresh(true);
            }
        }
        return Optional.empty();
    }

    /**
     * The message's header as stored (LF line ends as in the file, decoded as UTF-8), up to and including the
     * blank line that ends it, or the whole file when there is none; cached. Empty if the message is gone.
     */
    @Override
    public Optional<String> header(long uid) throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            Optional<Message> m = byUid(uid);
            if (m.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(cachedHeader(m.get(), true));
            } catch (NoSuchFileException e) {
                refresh(true);
            }
        }
        return Optional.empty();
    }

    /** The header from the cache, else from the file, which is kept in the cache if {@code keep} and it fits. */
    private String cachedHeader(Message m, boolean keep) throws IOException {
        String base = m.baseName();
        String cached = headerCache.get(base);
        if (cached != null) {
            return cached;
        }
        String h = new String(readHeader(path(m)), StandardCharsets.UTF_8);
        if (keep && headerCacheBytes.get() + h.length() <= HEADER_CACHE_MAX
                && HEADER_CACHE_TOTAL.get() + h.length() <= HEADER_CACHE_TOTAL_MAX
                && headerCache.putIfAbsent(base, h) == null) {
            headerCacheBytes.addAndGet(h.length());
            HEADER_CACHE_TOTAL.addAndGet(h.length());
        }
        return h;
    }

    /**
     * SEARCH FROM/TO/CC/BCC/SUBJECT/HEADER over many messages: the UIDs (ascending) among {@code messages} (UID
     * ascending, as {@link #messages()} gives them) that have a {@code field} whose decoded value contains
     * {@code value}, case-insensitively ("" = has the field), from the folder's header columns (see
     * {@link HeaderIndex}). Empty when the caller must look at the messages itself: over budget, a NUL in
     * {@code value}, or no column for the field yet and {@code build} false (a search of a few messages should
     * not read them all). The headers read to build a column are not kept: the column is what stays.
     */
    @Override
    @SuppressWarnings("unchecked") // a snapshot of this folder's messages()
    public Optional<long[]> headerMatches(String field, String value, List<? extends MessageInfo> messages,
            boolean build) throws IOException {
        return headerIndex.matching(field, value, (List<Message>) messages, uidValidity(), build, m -> {
            try {
                return cachedHeader(m, false);
            } catch (NoSuchFileException e) {
                return header(m.uid()).orElse(null); // renamed meanwhile (flags), or gone
            }
        });
    }

    private void uncache(String baseName) {
        String h = headerCache.remove(baseName);
        if (h != null) {
            headerCacheBytes.addAndGet(-h.length());
            HEADER_CACHE_TOTAL.addAndGet(-h.length());
        }
    }

    /** Bytes held by every open folder's header cache (for tests and diagnostics). */
    static long headerCacheTotal() {
        return HEADER_CACHE_TOTAL.get();
    }

    /** Reads a file up to the end of its header (see {@link #header}). */
    static byte[] readHeader(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[4096];
            int n = 0;
            int from = 0;
            while (true) {
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    return Arrays.copyOf(buf, n);
                }
                n += r;
                int end = headerEnd(buf, from, n);
                if (end >= 0) {
                    return Arrays.copyOf(buf, end);
                }
                from = Math.max(0, n - 2);
            }
        }
    }

    /** The offset after the blank line ending a header (LF or CRLF line ends), or -1 if not in b[0, n). */
    static int headerEnd(byte[] b, int from, int n) {
        if (from == 0 && n > 0 && b[0] == '\n') {
            return 1;
        }
        if (from == 0 && n > 1 && b[0] == '\r' && b[1] == '\n') {
            return 2;
        }
        for (int i = from; i < n; i++) {
            if (b[i] == '\n') {
                if (i + 1 < n && b[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < n && b[i + 1] == '\r' && b[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /** INTERNALDATE: the file's mtime (Dovecot sets it to the received date). */
    @Override
    public Instant receivedDate(MessageInfo m) {
        try {
            return Files.getLastModifiedTime(path((Message) m)).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * RFC822.SIZE: W= when the name has it, else counted from the file (streamed, not held) once and remembered.
     */
    @Override
    public long virtualSize(MessageInfo info) throws IOException {
        Message m = (Message) info;
        if (m.vsize() >= 0) {
            return m.vsize();
        }
        long v = 0;
        Optional<FileChannel> file = openMessage(m.uid());
        if (file.isPresent()) {
            try (InputStream in = java.nio.channels.Channels.newInputStream(file.get())) {
                v = Crlf.size(in); // counted as it is read: the file is never whole in memory
            }
        }
        lock.lock();
        try {
            int i = indexOf(m.uid());
            if (i >= 0) {
                Message cur = messages.get(i);
                messages.set(i, new Message(cur.uid(), cur.baseName(), cur.fileName(), cur.inNew(), cur.letters(),
                        cur.flags(), cur.modseq(), v));
            }
        } finally {
            lock.unlock();
        }
        return v;
    }

    // ---- typed flags (the Maildir letters stay in here) ----------------------------------------------------

    /** What sorted letters mean: system flags, and keywords through dovecot-keywords. Under the lock (or open). */
    private MessageFlags flagsOf(String letters) {
        if (letters.isEmpty()) {
            return MessageFlags.NONE;
        }
        MessageFlags known = meanings.get(letters);
        if (known != null) {
            return known;
        }
        java.util.EnumSet<SystemFlag> system = java.util.EnumSet.noneOf(SystemFlag.class);
        for (SystemFlag f : SYSTEM) {
            if (letters.indexOf(MaildirLetters.of(f)) >= 0) {
                system.add(f);
            }
        }
        java.util.LinkedHashSet<String> kw = new java.util.LinkedHashSet<>();
        for (char c : letters.toCharArray()) {
            if (c >= 'a' && c <= 'z' && c - 'a' < keywords.size() && !keywords.get(c - 'a').isEmpty()) {
                kw.add(keywords.get(c - 'a'));
            }
        }
        MessageFlags flags = new MessageFlags(system, kw);
        if (meanings.size() < 4096) {
            meanings.put(letters, flags);
        }
        return flags;
    }

    /**
     * The letters for flags, with {@code kept} (letters that are not flags, e.g. P, stay as they were); keywords get
     * a letter in dovecot-keywords, and one that finds none free is left out. Under the lock.
     */
    private String lettersOf(MessageFlags flags, String kept) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (char c : kept.toCharArray()) {
            if (SYSTEM_FLAGS.indexOf(c) < 0 && !(c >= 'a' && c <= 'z')) {
                sb.append(c);
            }
        }
        sb.append(MaildirLetters.of(flags.system()));
        for (String k : flags.keywords()) {
            keywordLetter(k, true).ifPresent(sb::append);
        }
        return sortFlags(sb.toString());
    }

    @Override
    public List<String> keywords() {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (String k : keywords) {
                if (!k.isEmpty()) {
                    out.add(k);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public FlagResult changeFlags(long uid, FlagChange change, long unchangedSince) throws IOException {
        lock.lock();
        try {
            int i = indexOf(uid);
            if (i < 0) {
                return new FlagResult.Gone();
            }
            Message m = messages.get(i);
            if (unchangedSince >= 0 && m.modseq() > unchangedSince) {
                return new FlagResult.Modified(m);
            }
            Optional<Message> updated = setFlags(uid, lettersOf(change.applyTo(m.flags()), m.letters()));
            return updated.<FlagResult>map(FlagResult.Stored::new).orElseGet(FlagResult.Gone::new);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int recentCount() {
        lock.lock();
        try {
            int n = 0;
            for (int i = messages.size() - 1; i >= 0 && messages.get(i).uid() >= firstRecentUid; i--) {
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** S= from its name, else the file's size. */
    @Override
    public long storedSize(MessageInfo m) {
        long s = m.storedSize();
        if (s >= 0) {
            return s;
        }
        try {
            return Files.size(path((Message) m));
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public Optional<java.nio.channels.SeekableByteChannel> openChannel(long uid) throws IOException {
        return openMessage(uid).map(c -> c);
    }

    /** APPEND: the message goes to a file in tmp/ as it comes (LF line ends), then into cur/ with its sizes. */
    @Override
    public NewMessage newMessage() throws IOException {
        MessageSpool spool = MessageSpool.create(newTmpFile());
        return new NewMessage() {
            private boolean committed;

            @Override
            public OutputStream out() {
                return spool;
            }

            @Override
            public void finish() throws IOException {
                spool.finish();
            }

            @Override
            public long storedSize() {
                return spool.size();
            }

            @Override
            public long commit(MessageFlags flags, Instant received) throws IOException {
                String letters;
                lock.lock();
                try {
                    letters = lettersOf(flags, "");
                } finally {
                    lock.unlock();
                }
                long uid = appendFile(spool.file(), spool.size(), spool.networkSize(), letters, received);
                committed = true;
                return uid;
            }

            @Override
            public void close() {
                if (!committed) {
                    spool.abort();
                }
            }
        };
    }

    // ---- change notification -------------------------------------------------------------------------

    /** Called when a delivery has put a file into new/: tells the watchers, and the next refresh scans new/. */
    public void deliveryNotice() {
        lock.lock();
        try {
            deliveryPending = true;
            notifyWatchers();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Calls {@code onChange} after every change of the folder (new mail, flags, expunge) and every delivery
     * notice, until the returned handle is closed; call {@link #refresh()} then. It runs on the changing
     * thread with the folder locked, so it must hand the work off (start a virtual thread), never block.
     */
    @Override
    public Watch watch(Runnable onChange) {
        Objects.requireNonNull(onChange);
        watchers.add(onChange);
        return () -> watchers.remove(onChange);
    }

    private void bump() {
        version++;
        notifyWatchers();
    }

    private void notifyWatchers() {
        for (Runnable w : watchers) {
            w.run();
        }
    }

    /**
     * Picks up changes made on disk: new files in new/ (deliveries), and when cur/ changed under us (another
     * process) a full rescan. {@code full} forces the full rescan. Returns whether the index changed.
     */
    public boolean refresh(boolean full) throws IOException {
        lock.lock();
        try {
            FileTime n = mtime("new");
            FileTime c = mtime("cur");
            boolean curChanged = full || c == null || !c.equals(curMtime);
            boolean newChanged = deliveryPending || n == null || !n.equals(newMtime);
            deliveryPending = false;
            if (!curChanged && !newChanged) {
                return false;
            }
            newMtime = n;
            if (curChanged) {
                curMtime = c;
                return fullScan();
            }
            return scanNew();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean refresh() throws IOException {
        return refresh(false);
    }

    private boolean scanNew() throws IOException {
        Set<String> inNewIndex = new HashSet<>();
        for (Message m : messages) {
            if (m.inNew()) {
                inNewIndex.add(m.fileName());
            }
        }
        List<MaildirEntry> fresh = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve("new"))) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                seen.add(name);
                if (!inNewIndex.contains(name)) {
                    fresh.add(new MaildirEntry(p, true, MaildirFileName.parse(name)));
                }
            }
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!seen.containsAll(inNewIndex)) {
            return fullScan(); // something left new/ behind our back
        }
        if (fresh.isEmpty()) {
            return false;
        }
        // A file we know in cur/ cannot appear in new/ again, except when another process moved it back; check.
        Set<String> known = new HashSet<>();
        for (Message m : messages) {
            known.add(m.baseName());
        }
        fresh.removeIf(e -> known.contains(e.name().baseName()));
        if (fresh.isEmpty()) {
            return fullScan();
        }
        Maildirs.sortInDeliveryOrder(fresh);
        DovecotUidList.append(dir, assign(fresh));
        bump();
        return true;
    }

    private boolean fullScan() throws IOException {
        List<MaildirEntry> entries = Maildirs.list(dir);
        Map<String, MaildirEntry> byBase = new HashMap<>();
        for (MaildirEntry e : entries) {
            byBase.put(e.name().baseName(), e);
        }
        boolean any = false;
        List<Long> gone = new ArrayList<>();
        ArrayList<Message> kept = new ArrayList<>(messages.size());
        for (Message m : messages) {
            MaildirEntry e = byBase.remove(m.baseName());
            if (e == null) {
                any = true; // expunged by someone else
                gone.add(m.uid());
                uncache(m.baseName());
                continue;
            }
            String fileName = e.path().getFileName().toString();
            if (!fileName.equals(m.fileName()) || e.isNew() != m.inNew()) {
                String flags = sortFlags(e.name().flags());
                kept.add(m.with(fileName, e.isNew(), flags, flagsOf(flags),
                        flags.equals(m.letters()) ? m.modseq() : nextModseq()));
                any = true;
            } else {
                kept.add(m);
            }
        }
        messages.clear();
        messages.addAll(kept);
        expunged(gone);
        if (!byBase.isEmpty()) {
            List<MaildirEntry> fresh = new ArrayList<>(byBase.values());
            Maildirs.sortInDeliveryOrder(fresh);
            DovecotUidList.append(dir, assign(fresh));
            any = true;
        }
        if (any) {
            bump();
        }
        return any;
    }

    // ---- changes ---------------------------------------------------------------------------------------

    /**
     * UIDs at or above the first "recent" UID, which this caller now owns (IMAP4rev1 \Recent: only one session
     * sees a message as recent). The claimed messages leave new/ at once, so that the folder's next open (after
     * the index closed, or a restart) does not make them recent again. A read-only caller passes
     * {@code claim = false}: it sees the same messages as recent and leaves them recent.
     */
    @Override
    public long claimRecent(boolean claim) throws IOException {
        lock.lock();
        try {
            long first = firstRecentUid;
            if (claim) {
                firstRecentUid = nextUid;
                takeNew();
            }
            return first;
        } finally {
            lock.unlock();
        }
    }

    /** Moves every message in new/ to cur/ (with an empty {@code :2,} info), as a read-write SELECT does. */
    @Override
    public void takeNew() throws IOException {
        lock.lock();
        try {
            boolean any = false;
            for (int i = 0; i < messages.size(); i++) {
                Message m = messages.get(i);
                if (!m.inNew()) {
                    continue;
                }
                String target = m.baseName() + ":2," + m.letters();
                try {
                    Files.move(path(m), dir.resolve("cur").resolve(target), StandardCopyOption.ATOMIC_MOVE);
                    messages.set(i, m.with(target, false, m.letters(), m.flags(), m.modseq()));
                    any = true;
                } catch (NoSuchFileException e) {
                    // moved or expunged by someone else; the next full scan sees where it went
                    curMtime = null;
                }
            }
            if (any) {
                curMtime = mtime("cur"); // our own renames; new/ is rescanned next time anyway (its mtime moved)
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces a message's flags (Maildir letters, any order) by renaming its file into cur/. Returns the
     * updated message, or empty if it is gone.
     */
    public Optional<Message> setFlags(long uid, String letters) throws IOException {
        lock.lock();
        try {
            String flags = sortFlags(letters);
            for (int attempt = 0; attempt < 2; attempt++) {
                int i = indexOf(uid);
                if (i < 0) {
                    return Optional.empty();
                }
                Message m = messages.get(i);
                if (m.letters().equals(flags) && !m.inNew()) {
                    return Optional.of(m);
                }
                String target = m.baseName() + ":2," + flags;
                FileTime before = mtime("cur");
                try {
                    Files.move(path(m), dir.resolve("cur").resolve(target), StandardCopyOption.ATOMIC_MOVE);
                } catch (NoSuchFileException e) {
                    fullScan();
                    curMtime = mtime("cur");
                    continue;
                }
                ownChange(before);
                Message updated = m.with(target, false, flags, flagsOf(flags), nextModseq());
                messages.set(i, updated);
                bump();
                return Optional.of(updated);
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** After our own change in cur/: if nobody else had changed it since our last look, this look is current. */
    private void ownChange(FileTime before) {
        if (before != null && before.equals(curMtime)) {
            curMtime = mtime("cur");
        }
    }

    /** Deletes the messages' files and drops them from the index and the uidlist. Returns the UIDs removed. */
    @Override
    public List<Long> expunge(Collection<Long> uids) throws IOException {
        lock.lock();
        try {
            Set<Long> wanted = new HashSet<>(uids);
            List<Long> removed = new ArrayList<>();
            FileTime before = mtime("cur");
            ArrayList<Message> kept = new ArrayList<>(messages.size());
            for (Message m : messages) {
                if (wanted.contains(m.uid())) {
                    try {
                        Files.delete(path(m));
                    } catch (NoSuchFileException e) {
                        // already gone
                    }
                    removed.add(m.uid());
                    uncache(m.baseName());
                } else {
                    kept.add(m);
                }
            }
            if (removed.isEmpty()) {
                return removed;
            }
            messages.clear();
            messages.addAll(kept);
            expunged(removed);
            ownChange(before);
            compactUidList(removed.size());
            bump();
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stores a new message (network form, CRLF line ends) with flags (Maildir letters) and received date;
     * the file gets LF line ends and Dovecot's S= and W= fields, and goes straight to cur/. Returns its UID.
     */
    public long append(byte[] crlfMessage, String letters, Instant received) throws IOException {
        byte[] lf = Crlf.toLf(crlfMessage);
        Path tmp = newTmpFile();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
            out.write(lf);
            out.flush();
            ch.force(true);
        }
        return appendFile(tmp, lf.length, Crlf.size(lf), letters, received);
    }

    /** A new file name in tmp/ for a message written by the caller, to be stored with {@link #appendFile}. */
    public Path newTmpFile() {
        return dir.resolve("tmp").resolve(NAMES.next());
    }

    /**
     * Stores a message file the caller wrote to {@link #newTmpFile} (LF line ends, made durable): {@code size} octets,
     * {@code vsize} in network form (Dovecot's S= and W=), with flags (Maildir letters) and received date. Returns
     * its UID.
     */
    public long appendFile(Path tmp, long size, long vsize, String letters, Instant received) throws IOException {
        if (received != null) {
            Files.setLastModifiedTime(tmp, FileTime.from(received));
        }
        return place(tmp, MaildirNames.withSizes(tmp.getFileName().toString(), size, vsize), letters, vsize);
    }

    /** Moves a prepared file from tmp/ into cur/ under {@code base} and indexes it. */
    private long place(Path tmp, String base, String letters, long vsize) throws IOException {
        String flags = sortFlags(letters);
        String name = base + ":2," + flags;
        lock.lock();
        try {
            FileTime before = mtime("cur");
            Files.move(tmp, dir.resolve("cur").resolve(name), StandardCopyOption.ATOMIC_MOVE);
            DirectorySync.forceDirectory(dir.resolve("cur"));
            ownChange(before);
            long uid = nextUid++;
            messages.add(new Message(uid, base, name, false, flags, flagsOf(flags), nextModseq(), vsize));
            DovecotUidList.append(dir, Map.of(base, uid));
            bump();
            return uid;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies a message of this folder into {@code target} (hard link where possible), keeping its flags, with
     * a new unique name there. Returns the new UID, or empty if the message is gone.
     */
    @Override
    public Optional<Long> copyTo(long uid, Mailbox to) throws IOException {
        if (!(to instanceof MaildirFolder target)) {
            throw new IllegalArgumentException("copy between backends: " + to.getClass().getName());
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            Optional<Message> m = byUid(uid);
            if (m.isEmpty()) {
                return Optional.empty();
            }
            Message src = m.get();
            MaildirFileName parsed = MaildirFileName.parse(src.baseName());
            String fresh = NAMES.next();
            String base = parsed.size().isPresent() && parsed.virtualSize().isPresent()
                    ? MaildirNames.withSizes(fresh, parsed.size().getAsLong(), parsed.virtualSize().getAsLong())
                    : fresh;
            Path tmp = target.dir.resolve("tmp").resolve(base);
            try {
                try {
                    Files.createLink(tmp, path(src));
                } catch (FileAlreadyExistsException e) {
                    throw e;
                } catch (IOException | UnsupportedOperationException e) {
                    if (e instanceof NoSuchFileException nsf) {
                        throw nsf;
                    }
                    Files.copy(path(src), tmp, StandardCopyOption.COPY_ATTRIBUTES);
                }
            } catch (NoSuchFileException e) {
                refresh(true);
                continue;
            }
            return Optional.of(target.place(tmp, base, target.translate(src.letters(), keywordSlots()), src.vsize()));
        }
        return Optional.empty();
    }

    /**
     * A message's flag letters from another folder, as this folder writes them: keywords are per folder, so their
     * letters go through this folder's {@code dovecot-keywords} (defining what is missing).
     */
    private String translate(String letters, List<String> sourceKeywords) throws IOException {
        StringBuilder out = new StringBuilder();
        for (char c : letters.toCharArray()) {
            if (c >= 'a' && c <= 'z') {
                int idx = c - 'a';
                if (idx < sourceKeywords.size() && !sourceKeywords.get(idx).isEmpty()) {
                    keywordLetter(sourceKeywords.get(idx), true).ifPresent(out::append);
                }
            } else {
                out.append(c);
            }
        }
        return sortFlags(out.toString());
    }

    /**
     * Moves every message of this folder into {@code target}, which should be new and empty: RENAME INBOX
     * (RFC 3501 6.3.5). Each file is renamed into the target's cur/ or new/ (one file system: nothing is
     * copied), keeping its flags; both folders' directories are made durable before the target's uidlist gives
     * the messages UIDs, in this folder's UID order. This folder is left empty, and its sessions see the
     * messages expunged. Returns how many messages moved.
     */
    public int moveAllTo(MaildirFolder target) throws IOException {
        lock.lock();
        target.lock.lock(); // no one indexes the arriving files before they get their UIDs in order
        try {
            refresh();
            List<String> sourceKeywords = List.copyOf(keywords);
            List<Message> moved = new ArrayList<>();
            List<Message> arrived = new ArrayList<>();
            FileTime before = mtime("cur");
            try {
                for (Message m : messages) {
                    String flags = target.translate(m.letters(), sourceKeywords);
                    String name = m.inNew() ? m.fileName() : m.baseName() + ":2," + flags;
                    Path to = target.dir.resolve(m.inNew() ? "new" : "cur").resolve(name);
                    try {
                        Files.move(path(m), to, StandardCopyOption.ATOMIC_MOVE);
                    } catch (NoSuchFileException e) {
                        continue; // expunged by another program meanwhile: the next scan finds it gone
                    }
                    moved.add(m);
                    arrived.add(new Message(0, m.baseName(), name, m.inNew(), flags, MessageFlags.NONE, 0, m.vsize()));
                }
            } finally {
                if (!moved.isEmpty()) {
                    for (String sub : List.of("cur", "new")) {
                        DirectorySync.forceDirectory(target.dir.resolve(sub));
                        DirectorySync.forceDirectory(dir.resolve(sub));
                    }
                    target.adopt(arrived);
                    Set<Long> gone = new HashSet<>();
                    for (Message m : moved) {
                        gone.add(m.uid());
                        uncache(m.baseName());
                    }
                    messages.removeIf(m -> gone.contains(m.uid()));
                    expunged(new ArrayList<>(gone));
                    ownChange(before);
                    persistAll(); // the names live on in the target: no stale lines for them here
                    bump();
                }
            }
            return moved.size();
        } finally {
            target.lock.unlock();
            lock.unlock();
        }
    }

    /** Indexes files {@link #moveAllTo} renamed into this folder, with UIDs in the order given. Under the lock. */
    private void adopt(List<Message> arrived) throws IOException {
        Map<String, Long> added = new LinkedHashMap<>();
        for (Message a : arrived) {
            long uid = nextUid++;
            messages.add(new Message(uid, a.baseName(), a.fileName(), a.inNew(), a.letters(), flagsOf(a.letters()),
                    nextModseq(), a.vsize()));
            added.put(a.baseName(), uid);
        }
        curMtime = mtime("cur"); // the arrivals are indexed; new/ is rescanned next time anyway (its mtime moved)
        DovecotUidList.append(dir, added);
        bump();
    }

    /** Flag letters sorted and de-duplicated (the maildir spec wants them in ASCII order). */
    public static String sortFlags(String letters) {
        char[] c = letters.toCharArray();
        Arrays.sort(c);
        StringBuilder sb = new StringBuilder(c.length);
        for (int i = 0; i < c.length; i++) {
            if ((i == 0 || c[i] != c[i - 1]) && c[i] > ' ' && c[i] != ',' && c[i] != '/' && c[i] != ':') {
                sb.append(c[i]);
            }
        }
        return sb.toString();
    }
}
