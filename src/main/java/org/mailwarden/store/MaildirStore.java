package org.mailwarden.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.mailwarden.mail.HeaderFilter;
import org.slf4j.LoggerFactory;

/**
 * A Dovecot-compatible Maildir store laid out like docker-mailserver's mail-data volume
 * (Dovecot {@code mail_location = maildir:/var/mail/%d/%n}):
 *
 * <pre>
 * root/example.org/alice/{cur,new,tmp}            INBOX of alice@example.org
 * root/example.org/alice/.Sent/{cur,new,tmp}      Maildir++ folder "Sent" (plus a maildirfolder marker)
 * root/example.org/alice/.Parent.Child/...        nested folder "Parent/Child" (Maildir++ is flat, '.'-joined)
 * </pre>
 *
 * <p>Delivery follows the maildir protocol (https://cr.yp.to/proto/maildir.html): write into tmp/, fsync,
 * then link/rename into new/ and fsync new/. Files are stored with LF line ends, Dovecot's default, and
 * carry Dovecot's {@code ,S=} and {@code ,W=} size fields. Directories are created on first use.
 *
 * <p>Thread-safe: any number of deliveries may run at once; directory fsyncs of concurrent deliveries into
 * the same mailbox are coalesced by a {@link DirectorySync}.
 */
public final class MaildirStore implements MailStore {

    /** Creates hard links; replaced in tests to exercise the copy fallback. */
    @FunctionalInterface
    interface Linker {
        void link(Path link, Path existing) throws IOException;
    }

    private static final String INBOX = "INBOX";
    /** Dovecot creates mail files 0600 and directories 0700 (subject to umask). */
    private static final FileAttribute<?>[] FILE_ATTRS;
    private static final FileAttribute<?>[] DIR_ATTRS;

    static {
        boolean posix = Path.of("").getFileSystem().supportedFileAttributeViews().contains("posix");
        FILE_ATTRS = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        DIR_ATTRS = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                : new FileAttribute<?>[0];
    }

    private final Path root;
    private final MaildirNames names;
    private final DirectorySync directorySync;
    private final Linker linker;
    /** Maildirs known to exist with cur/new/tmp, so the hot path skips mkdir calls. */
    private final Set<Path> ready = ConcurrentHashMap.newKeySet();
    private final OpenFolders openFolders = new OpenFolders();
    private final MaildirUsage usage = new MaildirUsage(this, java.time.Clock.systemUTC());

    /** A store at {@code root}, naming files after this host and fsyncing directories for real. */
    public MaildirStore(Path root) {
        this(root, MaildirNames.localHostname(), new DirectorySync());
    }

    /**
     * @param root          the mail directory (docker-mailserver: /var/mail)
     * @param hostname      the host part of unique file names
     * @param directorySync coalesces directory fsyncs; share one per store
     */
    public MaildirStore(Path root, String hostname, DirectorySync directorySync) {
        this(root, hostname, directorySync, Files::createLink);
    }

    MaildirStore(Path root, String hostname, DirectorySync directorySync, Linker linker) {
        this.root = root.toAbsolutePath().normalize();
        this.names = new MaildirNames(hostname);
        this.directorySync = Objects.requireNonNull(directorySync);
        this.linker = Objects.requireNonNull(linker);
    }

    public Path root() {
        return root;
    }

    /** The folders open in this process, one shared index each: every protocol acquires folders here. */
    public OpenFolders openFolders() {
        return openFolders;
    }

    public DirectorySync directorySync() {
        return directorySync;
    }

    /**
     * The INBOX maildir of {@code localpart@domain}: {@code root/domain/localpart}. The address is
     * lower-cased, as account logins are. Does not create anything.
     *
     * @throws IllegalArgumentException if the address is malformed or a part is not a safe path component
     */
    public Path mailboxDir(String account) {
        String a = account.strip().toLowerCase(Locale.ROOT);
        int at = a.lastIndexOf('@'); // a quoted local part may itself contain '@'
        if (at <= 0 || at == a.length() - 1) {
            throw new IllegalArgumentException("not an account address: " + account);
        }
        String local = a.substring(0, at);
        String domain = a.substring(at + 1);
        checkComponent(local, account);
        checkComponent(domain, account);
        return root.resolve(domain).resolve(local);
    }

    /**
     * The maildir of a folder: "INBOX" (any case) is the account's maildir itself, any other folder the
     * Maildir++ sub-directory "." + name. Hierarchy levels may be separated by '/' or '.' (Dovecot's
     * Maildir++ separator), so "Parent/Child" and "Parent.Child" are both {@code .Parent.Child}. Names are
     * used as given: callers pass IMAP's modified UTF-7 (RFC 3501 5.1.3), as Dovecot stores them.
     */
    public Path folderDir(String account, String folder) {
        Path box = mailboxDir(account);
        if (folder.equalsIgnoreCase(INBOX)) {
            return box;
        }
        String[] levels = folder.split("[/.]", -1);
        for (String level : levels) {
            if (level.isEmpty()) {
                throw new IllegalArgumentException("empty hierarchy level in folder name: " + folder);
            }
            checkChars(level, folder);
        }
        return box.resolve("." + String.join(".", levels));
    }

    /** The account's folders in the Maildir++ layout under {@link #mailboxDir}. */
    @Override
    public Mailboxes mailboxes(String account) {
        return new MaildirMailboxes(this, account);
    }

    @Override
    public StorageUse storageUse() {
        return usage;
    }

    /** Creates a folder's maildir (and the account's INBOX maildir) if missing, durably. Returns its path. */
    public Path ensureFolder(String account, String folder) throws IOException {
        Path dir = folderDir(account, folder);
        ensureMaildir(dir);
        return dir;
    }

    /**
     * Deletes crash leftovers ({@link Maildirs#cleanLeftovers}) in every folder of every mailbox under the root:
     * run once at start, for the mailboxes no session opens. Returns how many files went.
     */
    public int cleanLeftovers() {
        Instant now = Instant.now();
        int removed = 0;
        for (Path domain : children(root)) {
            for (Path box : children(domain)) {
                if (!Files.isDirectory(box.resolve("cur"))) {
                    continue;
                }
                removed += Maildirs.cleanLeftovers(box, now);
                for (Path folder : children(box)) {
                    if (folder.getFileName().toString().startsWith(".") && Files.isDirectory(folder.resolve("cur"))) {
                        removed += Maildirs.cleanLeftovers(folder, now);
                    }
                }
            }
        }
        return removed;
    }

    private static List<Path> children(Path dir) {
        try (var s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            List<Path> out = new ArrayList<>();
            s.forEach(out::add);
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Starts a delivery into the INBOX of each account (duplicates after lower-casing are delivered once). */
    @Override
    public IncomingMessage begin(String returnPath, List<String> accounts) throws IOException {
        return begin(returnPath, accounts, INBOX);
    }

    /** Starts a delivery into the same folder of each account (e.g. "Junk"). */
    public IncomingMessage begin(String returnPath, List<String> accounts, String folder) throws IOException {
        Objects.requireNonNull(returnPath, "returnPath");
        if (returnPath.indexOf('\r') >= 0 || returnPath.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in return path");
        }
        if (accounts.isEmpty()) {
            throw new IllegalArgumentException("no accounts");
        }
        Set<Path> dirs = new LinkedHashSet<>();
        for (String account : accounts) {
            dirs.add(folderDir(account, folder));
        }
        List<Path> maildirs = new ArrayList<>(dirs);
        return new MaildirDelivery(this, maildirs, spool(returnPath, maildirs.getFirst()));
    }

    /** Starts writing a message into {@code maildir}'s tmp/ (created if missing), {@code Return-Path} first. */
    public MaildirSpool spool(String returnPath, Path maildir) throws IOException {
        Objects.requireNonNull(returnPath, "returnPath");
        if (returnPath.indexOf('\r') >= 0 || returnPath.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in return path");
        }
        ensureMaildir(maildir);
        return new MaildirSpool(returnPath, maildir, openTmp(maildir));
    }

    /**
     * A new spool file in the same tmp/: {@code spooled}'s Return-Path line, then {@code fields} (network form,
     * stored with LF ends), then the rest of {@code spooled} copied by the kernel (transferTo); fdatasynced.
     * {@code spooled} itself is left as it is.
     */
    public MaildirSpool.Spooled prepend(MaildirSpool.Spooled spooled, byte[] fields) throws IOException {
        return prepend(spooled, fields, HeaderFilter.NONE);
    }

    /**
     * As {@link #prepend(MaildirSpool.Spooled, byte[])}, leaving out the message's header fields the filter drops
     * (the header section is read for it up to {@link #FILTERED_HEADER} octets; fields past that are kept).
     */
    public MaildirSpool.Spooled prepend(MaildirSpool.Spooled spooled, byte[] fields, HeaderFilter filter)
            throws IOException {
        byte[] lf = Crlf.toLf(fields);
        long lines = 0;
        for (byte b : lf) {
            lines += b == '\n' ? 1 : 0;
        }
        TmpFile tmp = openTmp(spooled.maildir());
        long droppedOctets = 0;
        long droppedLines = 0;
        try (FileChannel out = tmp.channel(); FileChannel in = FileChannel.open(spooled.file(),
                StandardOpenOption.READ)) {
            copy(in, 0, spooled.head(), out);
            out.write(java.nio.ByteBuffer.wrap(lf));
            long from = spooled.head();
            if (filter != HeaderFilter.NONE) {
                byte[] head = new byte[(int) Math.min(FILTERED_HEADER, spooled.size() - spooled.head())];
                java.nio.ByteBuffer hb = java.nio.ByteBuffer.wrap(head);
                while (hb.hasRemaining() && in.read(hb, from + hb.position()) > 0) {
                    // fill
                }
                java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream(hb.position());
                HeaderFilter.Copied c = HeaderFilter.copy(head, hb.position(), filter, kept);
                out.write(java.nio.ByteBuffer.wrap(kept.toByteArray()));
                from += c.consumed();
                droppedOctets = c.droppedOctets();
                droppedLines = c.droppedLines();
            }
            copy(in, from, spooled.size() - from, out);
            out.force(false);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp.path());
            throw e;
        }
        return new MaildirSpool.Spooled(tmp.path(), spooled.maildir(), tmp.baseName(),
                spooled.size() + lf.length - droppedOctets, spooled.vsize() + lf.length + lines - droppedOctets
                        - droppedLines, spooled.head());
    }

    /** How much of a message's header section {@link #prepend(MaildirSpool.Spooled, byte[], HeaderFilter)} reads. */
    static final int FILTERED_HEADER = 256 * 1024;

    private static void copy(FileChannel in, long from, long count, FileChannel out) throws IOException {
        long done = 0;
        while (done < count) {
            long n = in.transferTo(from + done, count - done, out);
            if (n <= 0) {
                throw new IOException("spool file shorter than expected: " + (from + done) + " of " + (from + count));
            }
            done += n;
        }
    }

    /**
     * Delivers a spooled message without a commit record: hard-linked into every maildir but the first under a
     * fresh name, then renamed into the first's new/ (rename(2): all or nothing), and the new/ directories fsynced
     * (group-committed). When this returns, every copy is durable. On failure nothing stays visible: what was placed
     * is removed, and so is the spool. Returns the files, the first maildir's first.
     */
    public List<Path> deliver(MaildirSpool.Spooled spooled, List<Path> maildirs) throws IOException {
        return deliver(spooled, maildirs, "");
    }

    /**
     * {@link #deliver(MaildirSpool.Spooled, List)} with Maildir flags ({@code "S"}, ...): with flags the copies go to
     * cur/ with the {@code :2,} info, as Dovecot saves a flagged message.
     */
    public List<Path> deliver(MaildirSpool.Spooled spooled, List<Path> maildirs, String flags) throws IOException {
        List<Path> placed = new ArrayList<>(maildirs.size());
        try {
            for (Path maildir : maildirs.subList(1, maildirs.size())) {
                placed.add(linkFresh(spooled, maildir, flags));
            }
            Path firstDir = maildirs.getFirst();
            ensureMaildir(firstDir);
            Path first = placement(firstDir, spooled.baseName(), spooled, flags);
            Files.move(spooled.file(), first, StandardCopyOption.ATOMIC_MOVE);
            placed.addFirst(first);
            sync(placed);
            return placed;
        } catch (IOException | RuntimeException | Error e) {
            // Not durable: the caller answers 4xx and the client retries, so remove what is visible rather than
            // risk a duplicate delivery.
            for (Path p : placed) {
                deleteQuietly(p, e);
            }
            deleteQuietly(spooled.file(), e);
            throw e;
        }
    }

    /** Links the spool into {@code maildir}'s new/ under a fresh unique name (three tries). */
    private Path linkFresh(MaildirSpool.Spooled spooled, Path maildir, String flags) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return link(spooled, maildir, names.next(), flags);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 2) {
                    throw e; // names are unique per process; something else writes our names
                }
            }
        }
    }

    /**
     * Puts the (already fsynced) spool into {@code maildir} as {@code base} with the size fields: into new/, or into
     * cur/ with {@code :2,flags} when there are flags. A hard link where possible, else a copy through that maildir's
     * tmp/ (the maildirs are on different file systems), fsynced before it becomes visible. Not durable until
     * {@link #sync} of the file. Throws FileAlreadyExistsException if the name is taken.
     */
    public Path link(MaildirSpool.Spooled spooled, Path maildir, String base, String flags) throws IOException {
        ensureMaildir(maildir);
        Path target = placement(maildir, base, spooled, flags);
        try {
            link(target, spooled.file());
            return target;
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            LoggerFactory.getLogger(MaildirStore.class).warn("hard link into {} failed ({}); copying instead",
                    target.getParent(), e.toString());
            Path tmp = maildir.resolve("tmp").resolve(names.next());
            try {
                Files.copy(spooled.file(), tmp);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } catch (IOException | RuntimeException e2) {
                deleteQuietly(tmp, e2);
                throw e2;
            }
        }
    }

    /** Where a copy named {@code base} goes: new/ without flags, cur/ with the {@code :2,} info with them. */
    private static Path placement(Path maildir, String base, MaildirSpool.Spooled spooled, String flags) {
        String name = MaildirNames.withSizes(base, spooled.size(), spooled.vsize());
        return flags.isEmpty() ? maildir.resolve("new").resolve(name)
                : maildir.resolve("cur").resolve(name + MaildirFileName.INFO_SEPARATOR + "2," + flags);
    }

    /** Fsyncs a folder's new/ and cur/ (group-committed): a copy found there by {@link #holds} is then durable. */
    public void syncFolder(Path maildir) throws IOException {
        for (String sub : List.of("new", "cur")) {
            if (Files.isDirectory(maildir.resolve(sub))) {
                directorySync.sync(maildir.resolve(sub));
            }
        }
    }

    /**
     * Makes placed files durable: fsyncs the directories they are in (concurrent deliveries share fsyncs), then tells
     * an open index of each folder that mail arrived.
     */
    public void sync(Collection<Path> files) throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path f : files) {
            dirs.add(f.getParent());
        }
        for (Path dir : dirs) {
            directorySync.sync(dir);
        }
        for (Path dir : dirs) {
            openFolders.delivered(dir.getParent());
        }
    }

    /**
     * Whether {@code maildir} holds a message whose base name starts with {@code unique} and a '.' (the host part
     * that follows may differ): looks in new/, then the folder's dovecot-uidlist, and only then in cur/, so a message
     * that an IMAP session moves from new/ to cur/ meanwhile is seen (its UID is in the uidlist before it leaves
     * new/). The redo of a queued local delivery asks this before it delivers.
     */
    public boolean holds(Path maildir, String unique) throws IOException {
        String prefix = unique + ".";
        if (anyStartsWith(maildir.resolve("new"), prefix)) {
            return true;
        }
        Optional<DovecotUidList.Contents> list = DovecotUidList.read(maildir);
        if (list.isPresent() && list.get().uids().keySet().stream().anyMatch(b -> b.startsWith(prefix))) {
            return true;
        }
        return anyStartsWith(maildir.resolve("cur"), prefix);
    }

    private static boolean anyStartsWith(Path dir, String prefix) throws IOException {
        try (var files = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            return files.iterator().hasNext();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * The base name of a queued message's copy for one account: the same on every attempt, so that a redo can tell
     * whether an earlier attempt delivered it ({@link #holds}). Dovecot's shape, {@code <secs>.M<usecs>...<host>}, with
     * the entry's creation time, its id and a hash of the account in the middle part ({@link #derivedUnique}).
     */
    public String derivedName(String unique) {
        return unique + "." + names.host();
    }

    /** The host-independent part of {@link #derivedName}: {@code <secs>.M<usecs>I<id>R<hash>}, lower case. */
    public static String derivedUnique(long createdMillis, String id, String account) {
        int hash = account.toLowerCase(Locale.ROOT).hashCode();
        return Math.floorDiv(createdMillis, 1000) + ".M" + Math.floorMod(createdMillis, 1000) * 1000 + "I"
                + id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") + "R" + Integer.toHexString(hash);
    }

    private static void deleteQuietly(Path file, Throwable cause) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    // ---- spool files -------------------------------------------------------------------------------------

    record TmpFile(Path path, String baseName, FileChannel channel) {
    }

    /** Creates a fresh file in {@code maildir/tmp}; recreates the maildir once if it vanished meanwhile. */
    TmpFile openTmp(Path maildir) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        for (int attempt = 0; ; attempt++) {
            String base = names.next();
            Path tmp = maildir.resolve("tmp").resolve(base);
            try {
                return new TmpFile(tmp, base, FileChannel.open(tmp, options, FILE_ATTRS));
            } catch (NoSuchFileException e) {
                if (attempt > 0) {
                    throw e;
                }
                ready.remove(maildir);
                ensureMaildir(maildir);
            }
        }
    }

    /** Hard-links {@code existing} as {@code link} (link(2)); fails across file systems. */
    private void link(Path link, Path existing) throws IOException {
        linker.link(link, existing);
    }

    /**
     * Makes sure {@code maildir} has cur/, new/ and tmp/ (and, for a Maildir++ folder, the maildirfolder
     * marker and the parent account maildir), and that these directory entries are on disk: a delivery
     * whose new/ directory could vanish in a crash would not be durable. Runs once per maildir and process, and again
     * if the maildir was removed meanwhile.
     */
    void ensureMaildir(Path maildir) throws IOException {
        if (ready.contains(maildir)) {
            if (Files.isDirectory(maildir.resolve("cur"))) {
                return;
            }
            ready.remove(maildir); // removed under the running server (an admin deleted the mailbox): made again
        }
        // root/domain/local is an INBOX, root/domain/local/.Name a Maildir++ folder (a local part may itself
        // start with '.', so the depth decides, not the name).
        boolean folder = root.relativize(maildir).getNameCount() == 3;
        if (folder) {
            ensureMaildir(maildir.getParent()); // Maildir++ folders live inside the INBOX maildir
        }
        Files.createDirectories(maildir, DIR_ATTRS);
        for (String sub : List.of("cur", "new", "tmp")) {
            try {
                Files.createDirectory(maildir.resolve(sub), DIR_ATTRS);
                if (sub.equals("cur")) {
                    // a new maildir: an index left open of one removed from under us must not serve it
                    openFolders.forget(maildir);
                }
            } catch (FileAlreadyExistsException e) {
                // created earlier or by a concurrent delivery
            }
        }
        if (folder) {
            try {
                // Dovecot's marker that this maildir is a Maildir++ folder (for quota and tools).
                Files.createFile(maildir.resolve("maildirfolder"), FILE_ATTRS);
            } catch (FileAlreadyExistsException e) {
                // fine
            }
        }
        // Fsync the maildir and each ancestor up to the root whether or not this thread created them: a
        // concurrent delivery may have created them and not finished its own fsyncs yet.
        for (Path dir = maildir; dir != null && dir.startsWith(root); dir = dir.getParent()) {
            DirectorySync.forceDirectory(dir);
        }
        ready.add(maildir);
    }

    /** Forgets that a folder's maildir exists: it was deleted or renamed, and a new one of that name must be made. */
    public void forgetFolder(Path maildir) {
        ready.remove(maildir);
        openFolders.forget(maildir);
    }

    private static void checkComponent(String part, String whole) {
        if (part.isEmpty() || part.equals(".") || part.equals("..")) {
            throw new IllegalArgumentException("unsafe path component in " + whole);
        }
        checkChars(part, whole);
    }

    /** Rejects what could escape the mail directory or confuse Maildir tools. */
    private static void checkChars(String part, String whole) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("unsafe character in " + whole);
            }
        }
    }
}
