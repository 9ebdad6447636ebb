package org.mailwarden.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.mailwarden.files.AtomicFile;

/**
 * The folders of one account in Dovecot's Maildir++ layout: INBOX is the account's Maildir, "A.B" the folder
 * {@code .A.B} ('.' is the hierarchy delimiter). Subscriptions live in Dovecot's {@code subscriptions} file.
 */
final class MaildirMailboxes implements Mailboxes {

    static final String SUBSCRIPTIONS = "subscriptions";

    /** Locks of accounts' subscriptions files, shared by hash of the account's directory (see {@link #lock}). */
    private static final ReentrantLock[] LOCKS = new ReentrantLock[64];

    static {
        Arrays.setAll(LOCKS, i -> new ReentrantLock());
    }

    private final MaildirStore store;
    private final String account;
    private final Path home;

    MaildirMailboxes(MaildirStore store, String account) {
        this.store = store;
        this.account = account;
        this.home = store.mailboxDir(account);
    }

    /**
     * At the first login (no subscriptions file yet): INBOX and the special-use folders, all subscribed. An account's
     * sessions do this one at a time (a client may open several connections at once), and each creation tolerates
     * what is already there.
     */
    @Override
    public void ensureInbox() throws IOException {
        store.ensureFolder(account, INBOX);
    }

    @Override
    public void ensureDefaults() throws IOException {
        store.ensureFolder(account, "INBOX");
        if (Files.exists(home.resolve(SUBSCRIPTIONS))) {
            return;
        }
        ReentrantLock lock = lock();
        lock.lock();
        try {
            if (Files.exists(home.resolve(SUBSCRIPTIONS))) {
                return; // another session did it meanwhile
            }
            Set<String> subs = new LinkedHashSet<>(subscriptions());
            for (SpecialUse use : SpecialUse.values()) {
                store.ensureFolder(account, use.defaultName());
                subs.add(use.defaultName());
            }
            writeSubscriptions(subs);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The lock of this account's subscriptions file (read, changed, replaced as a whole) and default folders: one of
     * a fixed set, by the account's directory, so the sessions of one account share it without a map of locks.
     */
    private ReentrantLock lock() {
        return LOCKS[Math.floorMod(home.hashCode(), LOCKS.length)];
    }

    /** Checks a name and returns the folder's directory. */
    private Path dir(String name) {
        if (name.equals(INBOX)) {
            return home;
        }
        Mailboxes.validate(name);
        return store.folderDir(account, name);
    }

    @Override
    public boolean exists(String name) {
        Path d = name.equals("INBOX") ? home : dir(name);
        return Files.isDirectory(d.resolve("cur"));
    }

    @Override
    public List<String> names() throws IOException {
        Set<String> names = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(home)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (f.length() > 1 && f.charAt(0) == '.' && f.charAt(1) != '.' && Files.isDirectory(p.resolve("cur"))) {
                    names.add(f.substring(1));
                }
            }
        } catch (NoSuchFileException e) {
            // no mail yet
        }
        List<String> out = new ArrayList<>();
        out.add("INBOX");
        out.addAll(names);
        return out;
    }

    @Override
    public void create(String name) throws IOException {
        createDir(name);
    }

    private Path createDir(String name) throws IOException {
        Mailboxes.validate(name);
        if (name.equalsIgnoreCase(INBOX) || exists(name)) {
            throw new MailboxExistsException();
        }
        return store.ensureFolder(account, name);
    }

    /** Removes a folder's maildir (its sub-folders, separate Maildir++ directories, stay). */
    @Override
    public void delete(String name) throws IOException {
        Path d = dir(name);
        if (!Files.isDirectory(d)) {
            throw new NoSuchFileException(name);
        }
        // rename first so no delivery or session sees a half-deleted folder, then remove it
        Path trash = home.resolve("..DOVECOT-TRASHED." + System.nanoTime());
        Files.move(d, trash, StandardCopyOption.ATOMIC_MOVE);
        store.forgetFolder(d);
        Files.walkFileTree(trash, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        changeSubscriptions(subs -> subs.remove(name));
    }

    /** Renames a folder and its sub-folders: directory renames, nothing is copied. */
    @Override
    public void rename(String from, String to) throws IOException {
        Mailboxes.validate(to);
        Path src = dir(from);
        Path dst = dir(to);
        if (!Files.isDirectory(src)) {
            throw new NoSuchFileException(from);
        }
        if (Files.exists(dst)) {
            throw new MailboxExistsException();
        }
        for (String child : names()) {
            if (child.startsWith(from + DELIMITER)) {
                Path c = dir(child);
                Files.move(c, dir(to + child.substring(from.length())), StandardCopyOption.ATOMIC_MOVE);
                store.forgetFolder(c);
            }
        }
        Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
        store.forgetFolder(src);
        changeSubscriptions(subs -> {
            List<String> renamed = new ArrayList<>();
            for (String s : subs) {
                renamed.add(s.equals(from) || s.startsWith(from + DELIMITER) ? to + s.substring(from.length()) : s);
            }
            subs.clear();
            subs.addAll(renamed);
            return true;
        });
    }

    /** The messages' files are renamed into the new folder (see {@link MaildirFolder#moveAllTo}). */
    @Override
    public void renameInbox(String to) throws IOException {
        Path target = createDir(to);
        OpenFolders open = store.openFolders();
        MaildirFolder inbox = open.acquire(home);
        try {
            MaildirFolder moved = open.acquire(target);
            try {
                inbox.moveAllTo(moved);
            } finally {
                open.release(moved);
            }
        } finally {
            open.release(inbox);
        }
    }

    @Override
    public Optional<SpecialUse> specialUse(String name) {
        for (SpecialUse use : SpecialUse.values()) {
            if (use.defaultName().equals(name)) {
                return Optional.of(use);
            }
        }
        return Optional.empty();
    }

    @Override
    public Mailbox acquire(String name) throws IOException {
        return store.openFolders().acquire(dir(name));
    }

    @Override
    public void release(Mailbox mailbox) {
        store.openFolders().release((MaildirFolder) mailbox);
    }

    /**
     * Subscribed names. Reads both of Dovecot's formats: plain names, one per line, and version 2
     * ({@code V\t2} header, a blank line, hierarchy levels separated by TAB).
     */
    @Override
    public List<String> subscriptions() throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(home.resolve(SUBSCRIPTIONS), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        int start = 0;
        if (!lines.isEmpty() && lines.getFirst().startsWith("V\t")) {
            start = 1;
            while (start < lines.size() && !lines.get(start).isEmpty()) {
                start++;
            }
        }
        List<String> out = new ArrayList<>();
        for (String l : lines.subList(Math.min(start, lines.size()), lines.size())) {
            if (!l.isBlank()) {
                out.add(l.replace('\t', DELIMITER));
            }
        }
        return out;
    }

    @Override
    public void subscribe(String name, boolean on) throws IOException {
        changeSubscriptions(subs -> on ? subs.add(name) : subs.remove(name));
    }

    /** Changes the subscriptions under the account's lock; {@code change} says whether it changed anything. */
    private void changeSubscriptions(java.util.function.Predicate<Set<String>> change) throws IOException {
        ReentrantLock lock = lock();
        lock.lock();
        try {
            Set<String> subs = new LinkedHashSet<>(subscriptions());
            if (change.test(subs)) {
                writeSubscriptions(subs);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the subscriptions file (atomically and durably); under the account's lock. */
    private void writeSubscriptions(Set<String> subs) throws IOException {
        Files.createDirectories(home);
        StringBuilder sb = new StringBuilder();
        for (String s : subs) {
            sb.append(s).append('\n');
        }
        AtomicFile.writeString(home.resolve(SUBSCRIPTIONS), sb);
    }
}
