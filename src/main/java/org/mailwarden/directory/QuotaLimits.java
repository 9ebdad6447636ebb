package org.mailwarden.directory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-account storage limits from docker-mailserver's {@code dovecot-quotas.cf} ({@code user@domain:10G} lines, as
 * {@code mailwarden quota set} writes them). The file is re-read when its mtime or size changes (checked at each
 * lookup: one stat); malformed lines are logged with file:line and skipped. Thread-safe.
 */
public final class QuotaLimits {

    private static final Logger LOG = LoggerFactory.getLogger(QuotaLimits.class);

    private record Snapshot(FileTime mtime, long size, Object key, Map<String, Long> limits) {}

    private final Path file;
    private volatile Snapshot snapshot = new Snapshot(null, -1, null, Map.of());

    public QuotaLimits(Path configDir) {
        this.file = configDir.resolve(AccountFiles.QUOTAS_FILE);
    }

    /** The account's storage limit in bytes; 0 when it has none (no line, or "0": unlimited). */
    public long storageLimit(String address) {
        Long l = current().get(address.strip().toLowerCase(Locale.ROOT));
        return l == null ? 0 : l;
    }

    private Map<String, Long> current() {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (snapshot.mtime() != null || snapshot.size() != -1) {
                snapshot = new Snapshot(null, -1, null, Map.of());
            }
            return snapshot.limits();
        } catch (IOException e) {
            return snapshot.limits(); // keep what we had
        }
        Snapshot s = snapshot;
        if (a.lastModifiedTime().equals(s.mtime()) && a.size() == s.size() && java.util.Objects.equals(a.fileKey(),
                s.key())) {
            return s.limits();
        }
        synchronized (this) {
            s = snapshot;
            if (a.lastModifiedTime().equals(s.mtime()) && a.size() == s.size()
                    && java.util.Objects.equals(a.fileKey(), s.key())) {
                return s.limits();
            }
            try {
                Map<String, Long> limits = parse(file.getFileName().toString(),
                        Files.readAllLines(file, StandardCharsets.UTF_8));
                snapshot = new Snapshot(a.lastModifiedTime(), a.size(), a.fileKey(), limits);
            } catch (IOException e) {
                LOG.warn("event=config-unreadable file={} error=\"{}\"", file, e.getMessage());
            }
            return snapshot.limits();
        }
    }

    /** Parses the lines of a quotas file; malformed lines are logged as {@code name:line} and skipped. */
    static Map<String, Long> parse(String name, List<String> lines) {
        Map<String, Long> out = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            String address = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            long bytes;
            try {
                if (address.indexOf('@') <= 0 || address.endsWith("@")) {
                    throw new IllegalArgumentException("expected user@domain:size");
                }
                bytes = parseSize(line.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                LOG.warn("event=config-malformed file={}:{} message=\"{}\"", name, i + 1, e.getMessage());
                continue;
            }
            out.putIfAbsent(address, bytes); // the first line for an account wins, as in AccountFiles.quotas()
        }
        return Map.copyOf(out);
    }

    /**
     * A Dovecot size: digits with an optional suffix B, K, M, G or T (powers of 1024, either case); no suffix
     * means bytes. 0 means unlimited.
     */
    public static long parseSize(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        int shift = switch (last) {
            case 'B' -> 0;
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> -1;
        };
        String digits = shift < 0 ? s : s.substring(0, s.length() - 1);
        if (digits.isEmpty() || digits.length() > 16 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 500M, 10G, 0 for unlimited)");
        }
        long n = Long.parseLong(digits);
        long bytes = n << Math.max(shift, 0);
        if (shift > 0 && (bytes >>> shift) != n) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return bytes;
    }
}
