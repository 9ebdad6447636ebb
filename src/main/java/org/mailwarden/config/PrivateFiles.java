package org.mailwarden.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files and directories for the server's user alone: queued mail, password hashes, bans, the admin token. Files
 * are created 0600 (never readable by others, not even before a chmod), directories 0700. On a file system
 * without POSIX permissions these are plain files and directories.
 */
public final class PrivateFiles {

    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {}

    /**
     * Creates {@code dir} and its missing parents 0700; an existing {@code dir} open to group or others is narrowed
     * to its owner (a data dir from an older version, or one created by hand).
     */
    public static Path directory(Path dir) throws IOException {
        if (!POSIX) {
            return Files.createDirectories(dir);
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
        }
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
        if (!ownerOnly(now).equals(now)) {
            try {
                Files.setPosixFilePermissions(dir, ownerOnly(now));
            } catch (IOException e) {
                // not ours (a shared mount): its owner decides
            }
        }
        return dir;
    }

    /** {@code permissions} without the group and others bits. */
    public static Set<PosixFilePermission> ownerOnly(Set<PosixFilePermission> permissions) {
        Set<PosixFilePermission> p = permissions.isEmpty() ? EnumSet.noneOf(PosixFilePermission.class)
                : EnumSet.copyOf(permissions);
        p.removeAll(GROUP_AND_OTHERS);
        return p;
    }

    /** The attributes that create a file 0600 (none where there are no POSIX permissions). */
    public static FileAttribute<?>[] fileAttributes() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /** Creates {@code file} (it must not exist) 0600 and opens it for writing. */
    public static FileChannel create(Path file) throws IOException {
        return FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                fileAttributes());
    }

    /** Writes {@code content} to a new 0600 {@code file}, replacing (not reusing) any file of that name. */
    public static void writeString(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try (FileChannel c = create(file)) {
            ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }
}
