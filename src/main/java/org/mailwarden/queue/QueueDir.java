package org.mailwarden.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.mailwarden.config.PrivateFiles;
import org.mailwarden.files.AtomicFile;

/**
 * The queue directory, shared by the server's delivery agent and the {@code mailwarden queue} command:
 * <ul>
 * <li>{@code <id>.eml}: the message (CRLF form), never changed;</li>
 * <li>{@code <id>.env}: the envelope, "from &lt;sender&gt;" then one "to &lt;rcpt&gt;" per line, never changed
 *     (the format SpoolQueue wrote, so older entries are read as they are); renamed into place last, so an
 *     entry exists exactly when its .env does. A commit record of the delivery pipeline also has
 *     "local &lt;account&gt;TAB&lt;rcpt&gt;TAB folder TAB flags" lines (a local mailbox, delivered inline to that
 *     folder unless it is empty) and "created MILLIS"; an entry received over SMTP has "received PROTOCOL TAB
 *     LISTENER TAB IP TAB HELO TAB LOGIN" ("-" for none), its origin for the steps of a later delivery (entries
 *     without it load with none), and one received from outside "authres VALUE", our Authentication-Results value
 *     unfolded, which a forward's ARC set carries (entries without it are sent unsealed);</li>
 * <li>{@code <id>.state}: per-recipient state, attempts and next attempt time; absent = nothing tried yet.</li>
 * </ul>
 * Every write is a new file in {@code tmp/}, fsynced, renamed over the old one, and the directory fsynced, so a
 * crash at any point leaves either the old or the new state. Files are 0600 and the directories 0700: queued mail
 * is for the server's user alone.
 */
public final class QueueDir {

    private final Path dir;

    public QueueDir(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path tmp() {
        return dir.resolve("tmp");
    }

    /** {@link #tmp()}, created (with the queue directory) 0700 when missing: queued mail is nobody else's. */
    Path createdTmp() throws IOException {
        Path t = tmp();
        if (!Files.isDirectory(t)) {
            PrivateFiles.directory(dir);
            PrivateFiles.directory(t);
        }
        return t;
    }

    public Path messageFile(String id) {
        return dir.resolve(id + ".eml");
    }

    Path envelopeFile(String id) {
        return dir.resolve(id + ".env");
    }

    Path stateFile(String id) {
        return dir.resolve(id + ".state");
    }

    /** Ids of complete entries (those with an envelope), oldest first by file name order. */
    public List<String> ids() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".env"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
    }

    /** A cheap change marker for an entry: its state file's mtime (or the envelope's when there is none). */
    FileTime stamp(String id) {
        try {
            return Files.getLastModifiedTime(stateFile(id));
        } catch (IOException e) {
            try {
                return Files.getLastModifiedTime(envelopeFile(id));
            } catch (IOException e2) {
                return null;
            }
        }
    }

    public Optional<QueueEntry> load(String id) throws IOException {
        if (!validId(id)) {
            return Optional.empty();
        }
        List<String> env;
        Instant created;
        try {
            env = Files.readAllLines(envelopeFile(id), StandardCharsets.UTF_8);
            // to the millisecond, as the state file keeps it: names derived from it stay the same
            created = Instant.ofEpochMilli(Files.getLastModifiedTime(envelopeFile(id)).toMillis());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String sender = "";
        List<String> rcpts = new ArrayList<>();
        Map<String, QueueEntry.Local> locals = new HashMap<>();
        QueueEntry.Received received = null;
        String authResults = null;
        for (String line : env) {
            if (line.startsWith("from ")) {
                sender = unbracket(line.substring(5));
            } else if (line.startsWith("to ")) {
                rcpts.add(unbracket(line.substring(3)));
            } else if (line.startsWith("local ")) {
                String[] f = line.substring(6).split("\t", -1);
                if (f.length >= 4) {
                    String account = unbracket(f[0]);
                    rcpts.add(account);
                    locals.put(account, new QueueEntry.Local(unbracket(f[1]), f[2], f[3]));
                }
            } else if (line.startsWith("received ")) {
                received = receivedLine(line.substring(9));
            } else if (line.startsWith("authres ")) {
                authResults = line.substring(8).strip();
            } else if (line.startsWith("created ")) {
                created = Instant.ofEpochMilli(Long.parseLong(line.substring(8).strip()));
            }
        }
        List<String> state;
        try {
            state = Files.readAllLines(stateFile(id), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            state = List.of();
        }
        int attempts = 0;
        Instant next = created;
        boolean warned = false;
        Map<String, QueueEntry.Recipient> byAddress = new HashMap<>();
        for (String line : state) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "created" -> created = Instant.ofEpochMilli(Long.parseLong(f[1]));
                case "attempts" -> attempts = Integer.parseInt(f[1]);
                case "next" -> next = Instant.ofEpochMilli(Long.parseLong(f[1]));
                case "warned" -> warned = "1".equals(f[1]);
                case "rcpt" -> {
                    if (f.length >= 7) {
                        byAddress.put(f[5], new QueueEntry.Recipient(f[5], QueueEntry.Status.valueOf(f[1]),
                                Integer.parseInt(f[3]), f[6], f[4], "1".equals(f[2]), locals.get(f[5])));
                    }
                }
                default -> { } // unknown lines from a newer version are kept out, not fatal
            }
        }
        List<QueueEntry.Recipient> recipients = new ArrayList<>();
        for (String r : rcpts) {
            recipients.add(byAddress.getOrDefault(r, QueueEntry.Recipient.pending(r, locals.get(r))));
        }
        return Optional.of(new QueueEntry(id, sender, created, attempts, next, warned, recipients, received,
                authResults == null || authResults.isEmpty() ? null : authResults));
    }

    /** The envelope's "received" line (after the keyword) for an origin. */
    static String receivedLine(QueueEntry.Received r) {
        return String.join("\t", field(r.protocol()), field(r.listener()), field(r.clientIp()), field(r.helo()),
                field(r.login()));
    }

    /** An Authentication-Results value as one envelope line: unfolded, any other line break a space. */
    static String authresLine(String value) {
        return value.replaceAll("\r\n[ \t]", " ").replaceAll("[\r\n]", " ").strip();
    }

    private static QueueEntry.Received receivedLine(String line) {
        String[] f = line.split("\t", -1);
        if (f.length < 5) {
            return null; // not ours: as if there were none
        }
        return new QueueEntry.Received(unfield(f[0]), unfield(f[1]), unfield(f[2]), unfield(f[3]), unfield(f[4]));
    }

    private static String field(String s) {
        return s == null || s.isEmpty() ? "-" : s.replaceAll("[\\s]", "_");
    }

    private static String unfield(String s) {
        return s.equals("-") ? null : s;
    }

    /** Writes the entry's state atomically. Does nothing (and returns false) if the entry was deleted meanwhile. */
    public boolean save(QueueEntry e) throws IOException {
        byte[] state = stateBytes(e);
        if (!Files.exists(envelopeFile(e.id()))) {
            return false;
        }
        writeAtomically(stateFile(e.id()), state);
        if (!Files.exists(envelopeFile(e.id()))) {
            Files.deleteIfExists(stateFile(e.id())); // deleted by the admin while we were writing
            return false;
        }
        return true;
    }

    /** The state file's content for an entry. */
    static byte[] stateBytes(QueueEntry e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("created\t").append(e.created().toEpochMilli()).append('\n');
        sb.append("attempts\t").append(e.attempts()).append('\n');
        sb.append("next\t").append(e.nextAttempt().toEpochMilli()).append('\n');
        sb.append("warned\t").append(e.delayWarned() ? 1 : 0).append('\n');
        for (QueueEntry.Recipient r : e.recipients()) {
            sb.append("rcpt\t").append(r.status().name()).append('\t').append(r.notified() ? 1 : 0).append('\t')
                    .append(r.code()).append('\t').append(r.host()).append('\t').append(r.address()).append('\t')
                    .append(r.detail()).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Temporary files older than this are a crash's leftovers (Maildir's rule for tmp/: 36 hours). */
    static final Duration TMP_MAX_AGE = Duration.ofHours(36);
    /** A message or state file without its envelope this long is an orphan: commits and deletes take milliseconds. */
    static final Duration ORPHAN_GRACE = Duration.ofHours(1);

    /** A file {@link #sweep} removed: {@code id} is the entry's, or null for a file in {@code tmp/}. */
    record Leftover(String id, Path file, Duration age) {}

    /**
     * Removes what a crash left behind: files in {@code tmp/} older than {@link #TMP_MAX_AGE}, and {@code .eml} and
     * {@code .state} files older than {@link #ORPHAN_GRACE} whose entry has no envelope (a crash between the
     * renames of a commit, before the 250, or in the middle of a delete). Narrows the directories to 0700 if an
     * older version left them open. Returns what it removed.
     */
    List<Leftover> sweep(Instant now) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        PrivateFiles.directory(dir);
        List<Leftover> removed = new ArrayList<>();
        if (Files.isDirectory(tmp())) {
            PrivateFiles.directory(tmp());
            try (Stream<Path> s = Files.list(tmp())) {
                for (Path f : s.toList()) {
                    removeIfOlder(f, null, TMP_MAX_AGE, now, removed);
                }
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                int dot = n.lastIndexOf('.');
                String id = dot < 0 ? "" : n.substring(0, dot);
                String ext = dot < 0 ? "" : n.substring(dot);
                if ((ext.equals(".eml") || ext.equals(".state")) && validId(id) && !Files.exists(envelopeFile(id))) {
                    removeIfOlder(f, id, ORPHAN_GRACE, now, removed);
                }
            }
        }
        return removed;
    }

    private static void removeIfOlder(Path f, String id, Duration max, Instant now, List<Leftover> removed)
            throws IOException {
        Instant modified;
        try {
            modified = Files.getLastModifiedTime(f).toInstant();
        } catch (NoSuchFileException e) {
            return; // gone meanwhile
        }
        Duration age = Duration.between(modified, now);
        if (age.compareTo(max) > 0 && Files.isRegularFile(f) && Files.deleteIfExists(f)) {
            removed.add(new Leftover(id, f, age));
        }
    }

    /** Removes an entry: the envelope first (the entry is gone from then on), then the rest. */
    public boolean delete(String id) throws IOException {
        if (!validId(id)) {
            return false;
        }
        boolean existed = Files.deleteIfExists(envelopeFile(id));
        syncDir(dir);
        Files.deleteIfExists(stateFile(id));
        Files.deleteIfExists(messageFile(id));
        return existed;
    }

    /**
     * Removes an entry whose every copy is delivered and can be found again by name (a commit record of the delivery
     * pipeline), without fsyncs: if a crash brings the entry back, its redo finds the copies and delivers nothing.
     */
    public void forget(String id) throws IOException {
        if (validId(id)) {
            Files.deleteIfExists(envelopeFile(id));
            Files.deleteIfExists(stateFile(id));
            Files.deleteIfExists(messageFile(id));
        }
    }

    /** Replaces a file of the queue through a temp in {@code tmp/} (so the queue directory holds no temps). */
    void writeAtomically(Path target, byte[] content) throws IOException {
        AtomicFile.write(target, inTmp(), out -> out.write(content));
    }

    /** {@link AtomicFile} options for the queue's files: owner-only, their temps in {@code tmp/}. */
    AtomicFile.Options inTmp() throws IOException {
        return AtomicFile.Options.DEFAULT.inTempDir(createdTmp()).withMode(PrivateFiles.FILE);
    }

    static void syncDir(Path d) throws IOException {
        AtomicFile.forceDirectory(d);
    }

    static boolean validId(String id) {
        return id != null && id.matches("[A-Za-z0-9_-]{1,64}");
    }

    private static String unbracket(String s) {
        String t = s.strip();
        if (t.startsWith("<") && t.endsWith(">")) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
