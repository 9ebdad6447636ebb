package org.mailwarden.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.mailwarden.files.AtomicFile;

/**
 * A folder's CONDSTORE state, {@code mailwarden-modseq} next to {@code dovecot-uidlist}, so that HIGHESTMODSEQ never
 * goes backwards across restarts (RFC 7162 3.1.2) and clients can resynchronise cheaply after one.
 *
 * <pre>
 * mailwarden-modseq 1
 * reserved 5200            mod-sequences up to here may have been handed out
 * clean 4711 1700000000    only after a clean close: the highest modseq then, and the UIDVALIDITY
 * 17 4002 FS               uid modseq flags: one line per message, only after a clean close
 * vanished 3000            only after a clean close: every expunge above this modseq is listed (below: not)
 * x 12 4100                uid modseq: an expunged UID and the modseq of its expunge, oldest first
 * </pre>
 *
 * <p>While a folder is open, the file says "reserved R" and nothing else: the index hands out mod-sequences up to
 * R and writes a higher R (a block ahead) before going beyond. When the last session closes the folder, it writes
 * each message's modseq and flags and marks the file clean. An open that finds a clean file keeps the modseqs of
 * messages whose flags did not change meanwhile; after a crash (no clean mark) every message gets a fresh modseq
 * above R, which makes clients resynchronise all flags but never miss a change.
 *
 * <p>The expunged UIDs ({@link Tombstones}, for QRESYNC's VANISHED) are kept the same way: only a clean close
 * writes them. A file without a "vanished" line (written before they existed, or after a crash) has none,
 * and the folder then knows nothing about expunges at or below its HIGHESTMODSEQ. The version stays 1: an
 * older Mailwarden cannot read the new lines, and falls back to the reservation as after a crash, which is safe.
 *
 * <p>Written atomically (temporary file and rename).
 */
record ModseqState(long reserved, long cleanHighest, long uidValidity, Map<Long, Entry> messages,
        Tombstones tombstones) {

    static final String FILE = "mailwarden-modseq";
    private static final String MAGIC = "mailwarden-modseq 1";

    record Entry(long modseq, String flags) {}

    static final ModseqState NONE = new ModseqState(0, -1, 0, Map.of(), null);

    boolean clean() {
        return cleanHighest >= 0;
    }

    /**
     * The folder's state; {@link #NONE} when there is none or it is unreadable (all modseqs fresh then). Its
     * tombstones are null unless the file was written by a clean close that kept them.
     */
    static ModseqState read(Path folderDir) {
        try (BufferedReader r = Files.newBufferedReader(folderDir.resolve(FILE), StandardCharsets.UTF_8)) {
            if (!MAGIC.equals(r.readLine())) {
                return NONE;
            }
            String line = r.readLine();
            if (line == null || !line.startsWith("reserved ")) {
                return NONE;
            }
            long reserved = Long.parseLong(line.substring(9).strip());
            line = r.readLine();
            if (line == null || !line.startsWith("clean ")) {
                return new ModseqState(reserved, -1, 0, Map.of(), null);
            }
            String[] c = line.substring(6).strip().split(" ");
            long highest = Long.parseLong(c[0]);
            long validity = Long.parseLong(c[1]);
            Map<Long, Entry> messages = new HashMap<>();
            Tombstones tombstones = null;
            while ((line = r.readLine()) != null) {
                String[] p = line.split(" ", 3);
                if (p.length < 2) {
                    continue;
                }
                if (p[0].equals("vanished")) {
                    tombstones = new Tombstones(Long.parseLong(p[1]));
                } else if (p[0].equals("x")) {
                    long modseq = Long.parseLong(p[2]);
                    if (tombstones == null || tombstones.size() > 0
                            && modseq < tombstones.modseqAt(tombstones.size() - 1)) {
                        throw new IOException("tombstones out of order");
                    }
                    tombstones.add(Long.parseLong(p[1]), modseq);
                } else {
                    messages.put(Long.parseLong(p[0]), new Entry(Long.parseLong(p[1]), p.length > 2 ? p[2] : ""));
                }
            }
            return new ModseqState(reserved, highest, validity, messages, tombstones);
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (IOException | RuntimeException e) {
            return readReservedOnly(folderDir);
        }
    }

    /** A damaged file: keep at least its reservation if that line is intact. */
    private static ModseqState readReservedOnly(Path folderDir) {
        try (BufferedReader r = Files.newBufferedReader(folderDir.resolve(FILE), StandardCharsets.UTF_8)) {
            r.readLine();
            String line = r.readLine();
            return new ModseqState(Long.parseLong(line.substring(9).strip()), -1, 0, Map.of(), null);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    /** The reservation in the file now (0 if none): a second index of the folder must not lower it. */
    static long reservedOnDisk(Path folderDir) {
        return readReservedOnly(folderDir).reserved();
    }

    /** Writes "reserved R" (open, dirty) or, with {@code cleanHighest} not negative, the full snapshot. */
    static void write(Path folderDir, long reserved, long cleanHighest, long uidValidity,
            Iterable<MaildirFolder.Message> messages, Tombstones tombstones) throws IOException {
        // the reservation must survive a crash (it keeps HIGHESTMODSEQ ascending), and so must a clean snapshot
        AtomicFile.writeText(folderDir.resolve(FILE), w -> {
            w.write(MAGIC + "\nreserved " + reserved + "\n");
            if (cleanHighest >= 0) {
                w.write("clean " + cleanHighest + " " + uidValidity + "\n");
                StringBuilder sb = new StringBuilder(64);
                for (MaildirFolder.Message m : messages) {
                    sb.setLength(0);
                    sb.append(m.uid()).append(' ').append(m.modseq()).append(' ').append(m.letters()).append('\n');
                    w.write(sb.toString());
                }
                w.write("vanished " + tombstones.floor() + "\n");
                for (int i = 0; i < tombstones.size(); i++) {
                    sb.setLength(0);
                    sb.append("x ").append(tombstones.uidAt(i)).append(' ').append(tombstones.modseqAt(i)).append('\n');
                    w.write(sb.toString());
                }
            }
        });
    }
}
