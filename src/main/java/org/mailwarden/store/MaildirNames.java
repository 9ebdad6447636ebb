package org.mailwarden.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique Maildir file names in Dovecot's format, {@code <secs>.M<usecs>P<pid>Q<counter>.<host>}
 * (see https://cr.yp.to/proto/maildir.html and Dovecot's maildir_filename_generate()). Uniqueness comes
 * from the process id plus a per-process counter; the time part keeps names roughly in arrival order and
 * unique across restarts that reuse a pid.
 */
final class MaildirNames {

    /** Per JVM, like Dovecot's per-process counter: names stay unique across store instances. */
    private static final AtomicLong COUNTER = new AtomicLong();

    private final String host;
    private final long pid;
    private final Clock clock;

    MaildirNames(String hostname) {
        this(hostname, ProcessHandle.current().pid(), Clock.systemUTC());
    }

    MaildirNames(String hostname, long pid, Clock clock) {
        this.host = sanitiseHost(hostname);
        this.pid = pid;
        this.clock = clock;
    }

    /** The host part of the names, sanitised. */
    String host() {
        return host;
    }

    /** A fresh base name (no size fields, no info suffix), used for tmp/ and for each mailbox's new/ entry. */
    String next() {
        Instant now = clock.instant();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + pid + "Q" + COUNTER.incrementAndGet()
                + "." + host;
    }

    /**
     * The name in new/: base plus Dovecot's size fields. S= is the file size on disk, W= the "virtual" size
     * with CRLF line ends (RFC822.SIZE), so IMAP can answer size queries without reading the file.
     */
    static String withSizes(String base, long size, long virtualSize) {
        return base + ",S=" + size + ",W=" + virtualSize;
    }

    /**
     * Maildir reserves '/' (path separator) and ':' (info separator) in names; like Dovecot (and the
     * maildir spec) they are written as octal escapes. ',' is never part of a hostname, so S= stays parseable.
     */
    static String sanitiseHost(String hostname) {
        if (hostname == null || hostname.isBlank()) {
            return "localhost";
        }
        return hostname.strip().replace("/", "\\057").replace(":", "\\072");
    }

    /**
     * The kernel's host name, as gethostname(2) returns it (what Dovecot uses). Read from /proc to avoid
     * the DNS lookup InetAddress.getLocalHost() may do.
     */
    static String localHostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
