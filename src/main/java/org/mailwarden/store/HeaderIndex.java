package org.mailwarden.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import java.util.function.Predicate;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** One field's entries; immutable. */
    record Column(long[] uids, int[] starts, String text, long bytes) {

        static Column of(long[] uids, int[] starts, String text) {
            return of(uids, starts, text, latin1(text));
        }

        static Column of(long[] uids, int[] starts, String text, boolean latin1) {
            return new Column(uids, starts, text, uids.length * 12L + 4 + (long) text.length() * (latin1 ? 1 : 2));
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

    private static boolean latin1(String s) {
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
            ByteBuffer old = read();
            while (old != null && old.remaining() >= 8 && sections.size() < MAX_COLUMNS) {
                ByteBuffer sec = nextSection(old, field -> !columns.containsKey(field));
                if (sec != null) {
                    sections.add(sec.rewind());
                }
            }
            int size = 12;
            for (ByteBuffer sec : sections) {
                size += 8 + sec.remaining();
            }
            ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            out.putInt(MAGIC).putLong(uidValidity);
            for (ByteBuffer sec : sections) {
                out.putInt(sec.remaining()).putInt(checksum(sec)).put(sec);
            }
            Path tmp = dir.resolve(FILE + ".tmp");
            Files.write(tmp, out.array());
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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
        boolean latin1 = latin1(c.text());
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

    /** The file past its header, if it holds columns of this UIDVALIDITY; else null. */
    private ByteBuffer read() {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(FILE))).order(ByteOrder.LITTLE_ENDIAN);
            return b.remaining() >= 12 && b.getInt() == MAGIC && b.getLong() == uidValidity ? b : null;
        } catch (IOException e) {
            return null; // none yet
        }
    }

    /**
     * The next section of {@code file}, positioned at its start, its checksum checked if {@code wanted} says so
     * after its name; null if it is damaged or not wanted (then skipped).
     */
    private static ByteBuffer nextSection(ByteBuffer file, Predicate<String> wanted) {
        int length = file.getInt();
        int crc = file.getInt();
        if (length < 4 || length > file.remaining()) {
            file.position(file.limit());
            return null;
        }
        ByteBuffer sec = file.slice(file.position(), length).order(ByteOrder.LITTLE_ENDIAN);
        file.position(file.position() + length);
        if (!wanted.test(name(sec))) {
            return null;
        }
        return checksum(sec) == crc ? sec : null;
    }

    /** The section's field name (and the section positioned after it); "" if it has none. */
    private static String name(ByteBuffer sec) {
        int length = sec.getInt();
        if (length < 0 || length > sec.remaining()) {
            return "";
        }
        byte[] name = new byte[length];
        sec.get(name);
        return new String(name, StandardCharsets.UTF_8);
    }

    /**
     * The column of field {@code name} from {@value #FILE}, counted in; null if it has none or it does not fit.
     * Reads that column's section only, past the others.
     */
    private Column load(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(dir.resolve(FILE))) {
            ByteBuffer head = ByteBuffer.allocate(12 + wanted.length).order(ByteOrder.LITTLE_ENDIAN);
            if (!read(ch, head.limit(12), 0) || head.getInt() != MAGIC || head.getLong() != uidValidity) {
                return null;
            }
            long pos = 12;
            while (read(ch, head.clear(), pos)) {
                int length = head.getInt();
                int crc = head.getInt();
                if (length < 4) {
                    return null;
                }
                if (length >= 4 + wanted.length && head.getInt() == wanted.length
                        && head.slice().equals(ByteBuffer.wrap(wanted))) {
                    ByteBuffer sec = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
                    return read(ch, sec, pos + 8) && checksum(sec) == crc ? column(name, sec.position(4 + wanted.length))
                            : null;
                }
                pos += 8L + length;
            }
        } catch (IOException | RuntimeException e) {
            // none yet, or a section that passed its checksum but does not parse: built again from the messages
        }
        return null;
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
        Column c = Column.of(uids, starts, text, latin1);
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
