package org.mailwarden.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailwarden.files.AtomicFile;

/**
 * Dovecot's {@code dovecot-uidlist} file, the UID map of one Maildir folder, so a folder Dovecot wrote opens with
 * its UIDs and UIDVALIDITY, and Dovecot can read ours.
 *
 * <pre>
 * 3 V1700000000 N43 G3085f01b7f11094c501100008c4a11c1     version 3, UIDVALIDITY, next UID, mailbox GUID
 * 41 :1700000000.M1P2Q3.host,S=812,W=830                 UID, optional fields (W830 ...), ':' and base name
 * 42 W1291 :1700000001.M5P2Q4.host
 * </pre>
 *
 * Version 1 files ({@code 1 <uidvalidity> <nextuid>}, records {@code <uid> <name>}) are read as well. Records name
 * the file up to the ':' of its info part, which changes with the flags. New records are appended (as Dovecot
 * does); the header's next UID may then lag behind and is raised to the highest record plus one on reading.
 */
public final class DovecotUidList {

    public static final String FILE = "dovecot-uidlist";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The parsed file: header values and base name to UID, in file order. */
    public record Contents(long uidValidity, long nextUid, String guid, Map<String, Long> uids) {}

    private DovecotUidList() {}

    /** Reads the uidlist of {@code folderDir}; empty when there is none or it is unreadable garbage. */
    public static java.util.Optional<Contents> read(Path folderDir) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(folderDir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return java.util.Optional.empty();
        } catch (java.nio.charset.MalformedInputException e) {
            lines = List.of(new String(Files.readAllBytes(folderDir.resolve(FILE)), StandardCharsets.ISO_8859_1)
                    .split("\n"));
        }
        if (lines.isEmpty()) {
            return java.util.Optional.empty();
        }
        String[] header = lines.getFirst().strip().split(" ");
        long validity = 0;
        long next = 1;
        String guid = null;
        int version;
        try {
            version = Integer.parseInt(header[0]);
            if (version == 1) {
                validity = Long.parseLong(header[1]);
                next = Long.parseLong(header[2]);
            } else {
                for (int i = 1; i < header.length; i++) {
                    String h = header[i];
                    if (h.isEmpty()) {
                        continue;
                    }
                    switch (h.charAt(0)) {
                        case 'V' -> validity = Long.parseLong(h.substring(1));
                        case 'N' -> next = Long.parseLong(h.substring(1));
                        case 'G' -> guid = h.substring(1);
                        default -> { } // other header fields (Dovecot's own extensions) are kept out of our way
                    }
                }
            }
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
        if (validity <= 0) {
            return java.util.Optional.empty();
        }
        Map<String, Long> uids = new LinkedHashMap<>();
        long max = 0;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                continue;
            }
            long uid;
            try {
                uid = Long.parseLong(line.substring(0, sp));
            } catch (NumberFormatException e) {
                continue;
            }
            String name;
            if (version == 1) {
                name = line.substring(sp + 1).strip();
            } else {
                int colon = line.indexOf(':', sp);
                if (colon < 0) {
                    continue;
                }
                name = line.substring(colon + 1);
            }
            int info = name.indexOf(MaildirFileName.INFO_SEPARATOR);
            if (info >= 0) {
                name = name.substring(0, info);
            }
            if (uid <= 0 || name.isEmpty() || uid <= max) {
                continue; // UIDs only ascend; a record that breaks that is ignored, as Dovecot does
            }
            uids.put(name, uid);
            max = uid;
        }
        return java.util.Optional.of(new Contents(validity, Math.max(next, max + 1), guid, uids));
    }

    /** A fresh mailbox GUID: 128 random bits in hex, as Dovecot writes it. */
    public static String newGuid() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Writes the whole file atomically and durably (see {@link AtomicFile}). */
    public static void write(Path folderDir, long uidValidity, long nextUid, String guid, Map<String, Long> uids)
            throws IOException {
        AtomicFile.writeText(folderDir.resolve(FILE), w -> {
            w.write("3 V" + uidValidity + " N" + nextUid + " G" + guid + "\n");
            for (Map.Entry<String, Long> e : uids.entrySet()) {
                w.write(e.getValue() + " :" + e.getKey() + "\n");
            }
        });
    }

    /**
     * Appends records for newly seen files (UIDs ascending, above every record already in the file), fsynced before
     * it returns: a UID is shown to a client only once it is on disk, so a crash can never give it to another file.
     */
    public static void append(Path folderDir, Map<String, Long> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : records.entrySet()) {
            sb.append(e.getValue()).append(" :").append(e.getKey()).append('\n');
        }
        AtomicFile.appendDurably(folderDir.resolve(FILE), sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
