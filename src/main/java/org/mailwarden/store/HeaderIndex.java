package org.mailwarden.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailwarden.files.AtomicFile;
import org.mailwarden.mail.HeaderFields;

/**
 * SEARCH's header columns for one folder (FROM, TO, CC, BCC, SUBJECT, HEADER of RFC 3501 6.4.4): for each header
 * field that a search has asked about, every message's values of that field, unfolded, MIME-decoded and
 * lower-cased ({@link Locale#ROOT}) in one string, so that a search is a few {@link String#indexOf} calls over one
 * string instead of a look at every message's header.
 *
 * <p>A column holds its messages by UID ascending; message i's entry is {@code text[starts[i], starts[i+1])}:
 * {@code '\0' + value} for each field of that name, in order, and nothing when the message has none. A needle
 * without {@code '\0'} can match only inside one value, as when each value is searched alone.
 *
 * <p>Columns are kept in {@value #FILE} next to the uidlist (written once a column gained {@value #SAVE_MIN}
 * entries read from messages, and when the folder closes), so that after a restart the first search reads one
 * file, not every message. A message's file never changes under its UID (a UID is never reused within one
 * UIDVALIDITY), so an entry stays true until its message is expunged; expunged entries are dropped when a column
 * is next extended.
 *
 * <p>Memory: per message and column, 12 bytes (UID and offset) plus the values' characters (one byte each while
 * a column is all Latin-1, else two), bounded per folder ({@link #FOLDER_MAX}, least recently used column
 * dropped first, at most {@link #MAX_COLUMNS}) and for the process ({@link #TOTAL_MAX}). Nothing is held until a
 * session searches the folder, and a closed folder gives its share back.
 */
final class HeaderIndex {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderIndex.class);

    static final String FILE = "mailwarden-search";
    /** "MWS" and the format version: bump it when the entries' derivation (decoding, case folding) changes. */
    private static final int MAGIC = 0x4D575301;
    static final int MAX_COLUMNS = 8;
    static final long FOLDER_MAX = 8L * 1024 * 1024;
    static final long TOTAL_MAX = 32L * 1024 * 1024;
    private static final AtomicLong TOTAL = new AtomicLong();
    static final int SAVE_MIN = 256;

    /** Reads a message's header as stored (see {@link MaildirFolder#header}); null when the message is gone. */
    interface Headers {
        String header(MaildirFolder.Message m) throws IOException;
    }

    /** One field's entries; immutable. {@code latin1}: every char of the text fits in one byte. */
    record Column(long[] uids, int[] starts, String text, boolean latin1) {

        static Column of(long[] uids, int[] starts, String text) {
            return new Column(uids, starts, text, isLatin1(text));
        }

        /** The memory it holds, as counted against the budgets. */
        long bytes() {
            return uids.length * 12L + 4 + (long) text.length() * (latin1 ? 1 : 2);
        }

        /** The UIDs whose entry has a value containing {@code needle} (lower-cased, no '\0'); "" = has the field. */
        long[] matching(String needle) {
            long[] hits = new long[8];
            int n = 0;
            if (needle.isEmpty()) {
                for (int i = 0; i < uids.length; i++) {
                    if (starts[i + 1] > starts[i]) {
                        hits = add(hits, n++, uids[i]);
                    }
                }
                return Arrays.copyOf(hits, n);
            }
            int p = text.indexOf(needle);
            while (p >= 0) {
                int i = entryAt(p);
                hits = add(hits, n++, uids[i]);
                p = text.indexOf(needle, Math.max(starts[i + 1], p + 1));
            }
            return Arrays.copyOf(hits, n);
        }

        private static long[] add(long[] a, int n, long v) {
            long[] out = n == a.length ? Arrays.copyOf(a, n * 2) : a;
            out[n] = v;
            return out;
        }

        /** The entry holding text position p: the last i with starts[i] <= p. */
        private int entryAt(int p) {
            int lo = 0;
            int hi = uids.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (starts[mid] <= p) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** Whether every message of {@code messages} (UID ascending) has an entry. */
        boolean covers(List<MaildirFolder.Message> messages) {
            int j = 0;
            for (MaildirFolder.Message m : messages) {
                while (j < uids.length && uids[j] < m.uid()) {
                    j++;
                }
                if (j == uids.length || uids[j] != m.uid()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    /** By lower-cased field name, least recently used first. */
    private final LinkedHashMap<String, Column> columns = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    /** The UIDVALIDITY of the columns' UIDs; -1 before the first search. */
    private long uidValidity = -1;
    /** Fields already looked for in {@value #FILE} since the folder opened. */
    private final Set<String> onDisk = new HashSet<>();
    /** Fields whose column did not fit the budget since the folder opened: not built again until it reopens. */
    private final Set<String> overBudget = new HashSet<>();
    /** Entries read from messages since {@value #FILE} was last written. */
    private int unsaved;

    HeaderIndex(Path dir) {
        this.dir = dir;
    }

    /**
     * The UIDs (ascending) among {@code messages} (UID ascending, of the folder's UIDVALIDITY) that have a
     * {@code field} whose decoded value contains {@code value}, case-insensitively; "" matches every message with
     * the field. Extends the field's column with the messages it lacks, reading their headers from
     * {@code headers}; a message whose header cannot be read is gone and matches nothing. Empty when the column
     * is over budget, when {@code value} holds a NUL, or when there is no column yet and {@code build} is false:
     * then the caller looks at the messages itself.
     */
    Optional<long[]> matching(String field, String value, List<MaildirFolder.Message> messages, long validity,
            boolean build, Headers headers) throws IOException {
        String needle = value.toLowerCase(Locale.ROOT);
        if (needle.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        String name = field.toLowerCase(Locale.ROOT);
        lock.lock();
        try {
            if (uidValidity != validity) {
                release();
                onDisk.clear();
                overBudget.clear();
                uidValidity = validity;
            }
            Column c = columns.get(name);
            if (c == null && onDisk.add(name)) {
                c = load(name);
            }
            if (c == null && (!build || overBudget.contains(name))) {
                return Optional.empty();
            }
            if (c == null || !c.covers(messages)) {
                c = extend(name, c, messages, headers);
                if (c == null) {
                    return Optional.empty();
                }
            }
            if (unsaved >= SAVE_MIN) {
                save();
            }
            return Optional.of(within(c.matching(needle), messages));
        } finally {
            lock.unlock();
        }
    }

    /** The UIDs of {@code hits} (ascending) that are among {@code messages}: a column may still hold expunged ones. */
    private static long[] within(long[] hits, List<MaildirFolder.Message> messages) {
        int n = 0;
        int j = 0;
        for (long uid : hits) {
            while (j < messages.size() && messages.get(j).uid() < uid) {
                j++;
            }
            if (j < messages.size() && messages.get(j).uid() == uid) {
                hits[n++] = uid;
            }
        }
        return n == hits.length ? hits : Arrays.copyOf(hits, n);
    }

    /** The column for {@code messages}: old entries kept, missing ones derived; null (and no column) if over budget. */
    private Column extend(String name, Column old, List<MaildirFolder.Message> messages, Headers headers)
            throws IOException {
        long[] uids = new long[messages.size()];
        int[] starts = new int[messages.size() + 1];
        StringBuilder text = new StringBuilder(old == null ? messages.size() * 32 : old.text().length() + 256);
        int n = 0;
        int j = 0;
        int derived = 0;
        for (MaildirFolder.Message m : messages) {
            while (old != null && j < old.uids().length && old.uids()[j] < m.uid()) {
                j++;
            }
            if (old != null && j < old.uids().length && old.uids()[j] == m.uid()) {
                text.append(old.text(), old.starts()[j], old.starts()[j + 1]);
            } else {
                String h = headers.header(m);
                if (h == null) {
                    continue; // gone
                }
                appendEntry(text, h, name);
                derived++;
            }
            uids[n] = m.uid();
            starts[++n] = text.length();
        }
        Column c = Column.of(n == uids.length ? uids : Arrays.copyOf(uids, n), Arrays.copyOf(starts, n + 1),
                text.toString());
        drop(name);
        if (!fits(c.bytes())) {
            overBudget.add(name);
            return null;
        }
        put(name, c);
        unsaved += derived;
        return c;
    }

    /** Makes room for {@code size} more bytes, dropping least recently used columns; false if it cannot. */
    private boolean fits(long size) {
        while (!columns.isEmpty() && (columns.size() >= MAX_COLUMNS || bytes + size > FOLDER_MAX
                || TOTAL.get() + size > TOTAL_MAX)) {
            drop(columns.keySet().iterator().next());
        }
        return bytes + size <= FOLDER_MAX && TOTAL.get() + size <= TOTAL_MAX;
    }

    private void put(String name, Column c) {
        columns.put(name, c);
        bytes += c.bytes();
        TOTAL.addAndGet(c.bytes());
    }

    private void drop(String name) {
        Column c = columns.remove(name);
        if (c != null) {
            bytes -= c.bytes();
            TOTAL.addAndGet(-c.bytes());
        }
    }

    /** One message's entry for field {@code name}: '\0' + decoded, lower-cased value, for each such field. */
    static void appendEntry(StringBuilder out, String header, String name) {
        for (String v : HeaderFields.values(header, name)) {
            out.append('\0').append(HeaderFields.decode(v).toLowerCase(Locale.ROOT));
        }
    }

    private static boolean isLatin1(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    // ---- the file --------------------------------------------------------------------------------------

    /** Writes the columns if entries were read from messages since the last write; when the folder closes. */
    void close() {
        lock.lock();
        try {
            if (unsaved > 0) {
                save();
            }
            release();
            onDisk.clear();
            overBudget.clear();
            uidValidity = -1;
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        new ArrayList<>(columns.keySet()).forEach(this::drop);
    }

    /*
     * Layout, little-endian (the arrays copy in bulk on the usual hardware): int MAGIC, long UIDVALIDITY, then one
     * section per column: int length L, int CRC-32 of the L bytes that follow, and those bytes: int name length,
     * the name (UTF-8), int n, n longs (UIDs), n + 1 ints (offsets), byte 1 if the text is Latin-1 (one byte a
     * char) else 2 (UTF-16), the text. A column is read only when a search asks for its field; the columns of
     * the file that this run did not read are kept as they are when it is written again.
     */
    private void save() {
        try {
            List<ByteBuffer> sections = new ArrayList<>();
            for (Map.Entry<String, Column> e : columns.entrySet()) {
                sections.add(section(e.getKey(), e.getValue()));
            }
            keepUnloaded(sections);
            int size = 12;
            for (ByteBuffer sec : sections) {
                size += 8 + sec.remaining();
            }
            ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            out.putInt(MAGIC).putLong(uidValidity);
            for (ByteBuffer sec : sections) {
                out.putInt(sec.remaining()).putInt(checksum(sec)).put(sec);
            }
            AtomicFile.writeBytes(dir.resolve(FILE), out.array());
            unsaved = 0;
        } catch (NoSuchFileException e) {
            // the folder was deleted or renamed meanwhile
        } catch (IOException | RuntimeException e) {
            // the disk is full, say: the columns stay in memory, and the next start reads the messages again
            LOG.warn("event=search-index-write-failed dir=\"{}\" reason=\"{}\"", dir, e.toString());
        }
    }

    private static ByteBuffer section(String name, Column c) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        boolean latin1 = c.latin1();
        long size = 4 + nameBytes.length + 4 + c.uids().length * 8L + c.starts().length * 4L + 1
                + (long) c.text().length() * (latin1 ? 1 : 2);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(nameBytes.length).put(nameBytes).putInt(c.uids().length);
        b.asLongBuffer().put(c.uids());
        b.position(b.position() + c.uids().length * 8);
        b.asIntBuffer().put(c.starts());
        b.position(b.position() + c.starts().length * 4);
        if (latin1) {
            b.put((byte) 1).put(c.text().getBytes(StandardCharsets.ISO_8859_1));
        } else {
            b.put((byte) 2);
            b.asCharBuffer().put(c.text());
            b.position(b.position() + c.text().length() * 2);
        }
        return b.flip();
    }

    /**
     * Adds to {@code sections} the sections of {@value #FILE} whose fields this run has not loaded (their checksum
     * checked), up to {@link #MAX_COLUMNS}: a rewrite keeps the columns nobody searched since the folder opened.
     */
    private void keepUnloaded(List<ByteBuffer> sections) {
        try (FileChannel ch = FileChannel.open(dir.resolve(FILE))) {
            for (Section sec : sections(ch)) {
                if (sections.size() >= MAX_COLUMNS) {
                    return;
                }
                ByteBuffer b = columns.containsKey(sec.field()) ? null : sec.bytes(ch);
                if (b != null) {
                    sections.add(b);
                }
            }
        } catch (IOException e) {
            // none yet, or unreadable: written anew from what is in memory
        }
    }

    /**
     * The column of field {@code name} from {@value #FILE}, counted in; null if it has none, it is damaged or it
     * does not fit. Reads that column's section only.
     */
    private Column load(String name) {
        try (FileChannel ch = FileChannel.open(dir.resolve(FILE))) {
            for (Section sec : sections(ch)) {
                if (sec.field().equals(name)) {
                    ByteBuffer b = sec.bytes(ch);
                    return b == null ? null : column(name, b.position(4 + sec.fieldBytes()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // none yet, or a section that passed its checksum but does not parse: built again from the messages
        }
        return null;
    }

    /**
     * One column's section of {@value #FILE}: its field, where its bytes start (after the length and checksum),
     * how many there are, their CRC-32, and the length of the field's name in UTF-8.
     */
    private record Section(String field, long pos, int length, int crc, int fieldBytes) {

        /** The section's bytes, from its start; null if they do not match the checksum. */
        ByteBuffer bytes(FileChannel ch) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            return read(ch, b, pos) && checksum(b) == crc ? b : null;
        }
    }

    /**
     * The sections of {@value #FILE} in order, if it holds columns of this UIDVALIDITY; up to the first one whose
     * header does not hold together. Reads the sections' headers and names only.
     */
    private List<Section> sections(FileChannel ch) throws IOException {
        List<Section> out = new ArrayList<>();
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        if (!read(ch, head, 0) || head.getInt() != MAGIC || head.getLong() != uidValidity) {
            return out;
        }
        long size = ch.size();
        long pos = 12;
        while (read(ch, head.clear(), pos)) { // length, checksum, the name's length
            int length = head.getInt();
            int crc = head.getInt();
            int nameLength = head.getInt();
            if (length < 4 || nameLength < 0 || nameLength > length - 4 || pos + 8 + length > size) {
                break;
            }
            ByteBuffer name = ByteBuffer.allocate(nameLength);
            if (!read(ch, name, pos + 12)) {
                break;
            }
            out.add(new Section(new String(name.array(), StandardCharsets.UTF_8), pos + 8, length, crc, nameLength));
            pos += 8L + length;
        }
        return out;
    }

    /** Fills {@code b} from {@code ch} at {@code pos}; false if the file ends first. Leaves {@code b} flipped. */
    private static boolean read(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        b.flip();
        return true;
    }

    private static int checksum(ByteBuffer sec) {
        CRC32 crc = new CRC32();
        crc.update(sec.duplicate().rewind());
        return (int) crc.getValue();
    }

    /** The column in a section, positioned after its name. */
    private Column column(String name, ByteBuffer sec) {
        int n = sec.getInt();
        long[] uids = new long[n];
        sec.asLongBuffer().get(uids);
        sec.position(sec.position() + n * 8);
        int[] starts = new int[n + 1];
        sec.asIntBuffer().get(starts);
        sec.position(sec.position() + (n + 1) * 4);
        boolean latin1 = sec.get() == 1;
        String text;
        if (latin1) {
            byte[] bytes = new byte[starts[n]];
            sec.get(bytes);
            text = new String(bytes, StandardCharsets.ISO_8859_1);
        } else {
            char[] chars = new char[starts[n]];
            sec.asCharBuffer().get(chars);
            text = new String(chars);
        }
        Column c = new Column(uids, starts, text, latin1);
        if (!valid(c) || !fits(c.bytes())) {
            return null;
        }
        put(name, c);
        return c;
    }

    /** Offsets that stay within the text and never go back, UIDs ascending. */
    private static boolean valid(Column c) {
        long[] uids = c.uids();
        int[] starts = c.starts();
        if (starts[0] != 0 || starts[uids.length] != c.text().length()) {
            return false;
        }
        for (int i = 0; i < uids.length; i++) {
            if (starts[i + 1] < starts[i] || (i > 0 && uids[i] <= uids[i - 1])) {
                return false;
            }
        }
        return true;
    }

    /** Bytes held by every folder's columns (for tests and diagnostics). */
    static long total() {
        return TOTAL.get();
    }
}
