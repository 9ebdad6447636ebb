package org.mailwarden.imap;

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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.mailwarden.store.MaildirStore;
import org.mailwarden.files.AtomicFile;

/**
 * The folders of one account as IMAP names them: INBOX is the account's Maildir, "A.B" the Maildir++ folder
 * {@code .A.B} ('.' is the hierarchy delimiter, as in Dovecot's Maildir++ layout). Subscriptions live in
 * Dovecot's {@code subscriptions} file.
 */
final class AccountMailboxes {

    static final char DELIMITER = '.';
    static final String SUBSCRIPTIONS = "subscriptions";

    /** SPECIAL-USE folders (RFC 6154) created at an account's first login, with their attribute. */
    static final Map<String, String> SPECIAL_USE = new java.util.LinkedHashMap<>();

    static {
        SPECIAL_USE.put("Drafts", "\\Drafts");
        SPECIAL_USE.put("Sent", "\\Sent");
        SPECIAL_USE.put("Junk", "\\Junk");
        SPECIAL_USE.put("Trash", "\\Trash");
        SPECIAL_USE.put("Archive", "\\Archive");
    }

    /** Locks of accounts' subscriptions files, shared by hash of the account's directory (see {@link #lock}). */
    private static final ReentrantLock[] LOCKS = new ReentrantLock[64];

    static {
        Arrays.setAll(LOCKS, i -> new ReentrantLock());
    }

    private final MaildirStore store;
    private final String account;
    private final Path home;

    AccountMailboxes(MaildirStore store, String account) {
        this.store = store;
        this.account = account;
        this.home = store.mailboxDir(account);
    }

    /**
     * At the first login (no subscriptions file yet): INBOX and the special-use folders, all subscribed. An account's
     * sessions do this one at a time (a client may open several connections at once), and each creation tolerates
     * what is already there.
     */
    void ensureDefaults() throws IOException {
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
            for (String name : SPECIAL_USE.keySet()) {
                store.ensureFolder(account, name);
                subs.add(name);
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

    /** Checks an IMAP name and returns the folder's directory. */
    Path dir(String name) {
        if (name.equals("INBOX")) {
            return home;
        }
        validate(name);
        return store.folderDir(account, name);
    }

    static void validate(String name) {
        if (name.isEmpty() || name.charAt(0) == DELIMITER || name.charAt(name.length() - 1) == DELIMITER
                || name.contains("..") || name.indexOf('/') >= 0 || name.indexOf('*') >= 0 || name.indexOf('%') >= 0
                || name.length() > 255) {
            throw new IllegalArgumentException("Invalid mailbox name: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("Invalid character in mailbox name");
            }
        }
    }

    boolean exists(String name) {
        Path d = name.equals("INBOX") ? home : dir(name);
        return Files.isDirectory(d.resolve("cur"));
    }

    /** Every folder name (INBOX first, then sorted). */
    List<String> all() throws IOException {
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

    Path create(String name) throws IOException {
        checkNew(name);
        if (name.equalsIgnoreCase("INBOX") || exists(name)) {
            throw new FileAlreadyThere();
        }
        return store.ensureFolder(account, name);
    }

    /**
     * A name for a folder to be made (CREATE, RENAME's target): valid as any name, and canonical modified UTF-7 whose
     * characters are valid too (RFC 3501 5.1.3), so that no encoding smuggles in what the plain name may not have.
     */
    static void checkNew(String name) {
        validate(name);
        validate(ModifiedUtf7.decode(name));
    }

    static final class FileAlreadyThere extends IOException {
        FileAlreadyThere() {
            super("Mailbox already exists");
        }
    }

    /** Removes a folder's maildir (its sub-folders, separate Maildir++ directories, stay). */
    void delete(String name) throws IOException {
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

    /** Renames a folder and its sub-folders; returns the directories moved (old paths). */
    List<Path> rename(String from, String to) throws IOException {
        checkNew(to);
        Path src = dir(from);
        Path dst = dir(to);
        if (!Files.isDirectory(src)) {
            throw new NoSuchFileException(from);
        }
        if (Files.exists(dst)) {
            throw new FileAlreadyThere();
        }
        List<Path> moved = new ArrayList<>();
        for (String child : all()) {
            if (child.startsWith(from + DELIMITER)) {
                Path c = dir(child);
                Files.move(c, dir(to + child.substring(from.length())), StandardCopyOption.ATOMIC_MOVE);
                store.forgetFolder(c);
                moved.add(c);
            }
        }
        Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
        store.forgetFolder(src);
        moved.add(src);
        changeSubscriptions(subs -> {
            List<String> renamed = new ArrayList<>();
            for (String s : subs) {
                renamed.add(s.equals(from) || s.startsWith(from + DELIMITER) ? to + s.substring(from.length()) : s);
            }
            subs.clear();
            subs.addAll(renamed);
            return true;
        });
        return moved;
    }

    /**
     * Subscribed names. Reads both of Dovecot's formats: plain names, one per line, and version 2
     * ({@code V\t2} header, a blank line, hierarchy levels separated by TAB).
     */
    List<String> subscriptions() throws IOException {
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

    void subscribe(String name, boolean on) throws IOException {
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

    /**
     * LIST pattern (RFC 3501 6.3.8): '*' matches anything, '%' anything but the delimiter; INBOX any case. Matched
     * in O(pattern x name) steps with one row of states, never by backtracking: "**********x" against a long name
     * took a regex 45 s of CPU.
     */
    static boolean matches(String pattern, String name) {
        boolean anyCase = name.equals("INBOX");
        int n = name.length();
        boolean[] reach = new boolean[n + 1]; // reach[j]: the pattern so far matches name[0, j)
        reach[0] = true;
        for (int i = 0; i < pattern.length(); i++) {
            char p = pattern.charAt(i);
            boolean[] next = new boolean[n + 1];
            boolean run = false;
            for (int j = 0; j <= n; j++) {
                switch (p) {
                    case '*' -> {
                        run |= reach[j];
                        next[j] = run;
                    }
                    case '%' -> {
                        if (j > 0 && name.charAt(j - 1) == DELIMITER) {
                            run = false; // '%' stops at the hierarchy delimiter
                        }
                        run |= reach[j];
                        next[j] = run;
                    }
                    default -> {
                        if (j < n && reach[j] && same(p, name.charAt(j), anyCase)) {
                            next[j + 1] = true;
                        }
                    }
                }
            }
            reach = next;
        }
        return reach[n];
    }

    private static boolean same(char a, char b, boolean anyCase) {
        return a == b || anyCase && Character.toUpperCase(a) == Character.toUpperCase(b);
    }
}
