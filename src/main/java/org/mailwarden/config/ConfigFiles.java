package org.mailwarden.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.mailwarden.files.AtomicFile;

/**
 * Line-based configuration files edited the safe way, so a crash or a full disk never leaves a half-written
 * accounts file behind and the server (which re-reads these files while running) never sees one.
 *
 * <p>{@link #write} keeps the previous version as {@code <file>.bak} and replaces the file with {@link AtomicFile}
 * (temp file, fsync, rename, directory fsync). The
 * original's permissions (and owner, where allowed) carry over; a new file gets the permissions asked for.
 * Lines are kept exactly as read, line endings included, so comments and unrelated lines survive an edit.
 */
public final class ConfigFiles {

    public static final String BACKUP_SUFFIX = ".bak";
    /** For files holding secrets (postfix-accounts.cf). */
    public static final Set<PosixFilePermission> PRIVATE = PrivateFiles.FILE;
    /** For the other tables, as docker-mailserver leaves them. */
    public static final Set<PosixFilePermission> SHARED = PosixFilePermissions.fromString("rw-r--r--");

    /** No group for new files: they get the creator's. */
    public static final int NO_GROUP = -1;

    private ConfigFiles() {}

    /**
     * The file's lines without their line terminators; an empty list when the file does not exist. Bad UTF-8 is
     * replaced rather than fatal (a stray Latin-1 byte in a comment), and a leading byte-order mark is kept.
     */
    public static List<String> readLines(Path file) throws IOException {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new ArrayList<>();
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            String line = text.substring(start, end);
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            start = end + 1;
        }
        return lines;
    }

    /** "\r\n" if the file's first line ends so, else "\n": new lines follow the file's own style. */
    public static String lineEnding(Path file) throws IOException {
        try {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            int nl = text.indexOf('\n');
            return nl > 0 && text.charAt(nl - 1) == '\r' ? "\r\n" : "\n";
        } catch (NoSuchFileException e) {
            return "\n";
        }
    }

    /**
     * Replaces {@code file} with {@code lines} atomically, keeping the previous version as {@code <file>.bak}.
     *
     * @param newFilePermissions permissions when the file does not exist yet; an existing file keeps its own, except
     *     that a file asked to be {@link #PRIVATE} (it holds password hashes) loses any group and others bits, and
     *     so does its backup: a stricter mode (0400) stays
     */
    public static void write(Path file, List<String> lines, Set<PosixFilePermission> newFilePermissions)
            throws IOException {
        write(file, lines, newFilePermissions, NO_GROUP);
    }

    /**
     * As above; a file that does not exist yet gets group {@code newFileGroup} (unless {@link #NO_GROUP}) with group
     * read added: root's admin commands create files a server running as the mail user (that group) can read.
     */
    public static void write(Path file, List<String> lines, Set<PosixFilePermission> newFilePermissions,
            int newFileGroup) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String eol = lineEnding(file);
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append(eol);
        }
        PosixFileAttributes original = AtomicFile.posixAttributes(file);
        boolean secret = PrivateFiles.ownerOnly(newFilePermissions).equals(newFilePermissions);
        Set<PosixFilePermission> permissions;
        if (original == null) {
            permissions = newFilePermissions;
            if (newFileGroup != NO_GROUP) {
                permissions = EnumSet.copyOf(permissions);
                permissions.add(PosixFilePermission.GROUP_READ); // the mail user's group reads it
            }
        } else if (secret) {
            // hashes: never readable by others nor writable by the group; a group read (the mail user's) stays
            permissions = EnumSet.copyOf(original.permissions());
            permissions.removeAll(EnumSet.of(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE));
        } else {
            permissions = original.permissions();
        }

        if (original != null) {
            backup(file, secret ? permissions : null);
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, AtomicFile.Options.DEFAULT.withMode(permissions).keepingOwner()
                .withNewFileGroup(newFileGroup), out -> out.write(bytes));
    }

    /**
     * The previous version as a hard link (same inode, so same permissions), else as a copy; with {@code narrowed},
     * it gets those permissions (the old version of a secret file is as secret as the new one).
     */
    private static void backup(Path file, Set<PosixFilePermission> narrowed) throws IOException {
        Path bak = file.resolveSibling(file.getFileName() + BACKUP_SUFFIX);
        Files.deleteIfExists(bak);
        try {
            Files.createLink(bak, file);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(file, bak, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
        if (narrowed != null) {
            setPermissions(bak, narrowed);
        }
    }

    private static void setPermissions(Path file, Set<PosixFilePermission> permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(file, permissions);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }
}
