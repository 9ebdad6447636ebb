package org.mailwarden.files;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way Mailwarden replaces a file: write a temp file next to it, fsync it, rename it over the target,
 * fsync the directory. A reader (or a crash) sees the old content or the new one, never a mix, and once
 * {@link #write} returns the new content survives a power cut.
 *
 * <p>Temp names are unique per write ({@code .<name>.<pid>.<counter>.tmp}), so two writers of one file (two
 * threads, two processes, or Dovecot's own {@code .lock} dot-lock) never write into each other's temp file: the
 * last rename wins, whole. A new file is created owner-only (0600); a replaced file keeps the target's mode.
 */
public final class AtomicFile {

    /** Writes the new content; must not close the stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Like {@link Content}, for text (UTF-8). */
    @FunctionalInterface
    public interface Text {
        void writeTo(Writer out) throws IOException;
    }

    public static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String TMP_SUFFIX = ".tmp";

    private AtomicFile() {}

    /** Replaces {@code target} with what {@code content} writes (see the class comment). */
    public static void write(Path target, Content content) throws IOException {
        write(target, modeFor(target), content);
    }

    /** As {@link #write(Path, Content)}, the new file getting {@code mode} whatever the old one had. */
    public static void write(Path target, Set<PosixFilePermission> mode, Content content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "." + PID + "." + COUNTER.incrementAndGet() + TMP_SUFFIX);
        try {
            try (FileChannel ch = create(tmp, mode)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 16 * 1024);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        forceDirectory(dir);
    }

    public static void writeText(Path target, Text text) throws IOException {
        write(target, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            text.writeTo(w);
            w.flush();
        });
    }

    public static void writeString(Path target, CharSequence text) throws IOException {
        writeText(target, w -> w.append(text));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** {@code bytes} as the whole new content of {@code target}, with {@code mode}. */
    public static void writeBytes(Path target, Set<PosixFilePermission> mode, byte[] bytes) throws IOException {
        write(target, mode, out -> out.write(bytes));
    }

    /** Whether {@code name} is one of this class's temp files (a crash leftover once old enough). */
    public static boolean isTempName(String name) {
        return name.startsWith(".") && name.endsWith(TMP_SUFFIX);
    }

    /** Appends {@code bytes} to {@code file} and fsyncs it before returning (an append-only log such as a uidlist). */
    public static void appendDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
    }

    /** Fsyncs a directory (Linux: fsync(2) on a read-only descriptor), making the names created in it durable. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static Set<PosixFilePermission> modeFor(Path target) throws IOException {
        try {
            return Files.getPosixFilePermissions(target);
        } catch (NoSuchFileException e) {
            return OWNER_ONLY;
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private static FileChannel create(Path tmp, Set<PosixFilePermission> mode) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            if (mode == null) {
                return FileChannel.open(tmp, options);
            }
            FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(mode);
            FileChannel ch = FileChannel.open(tmp, options, attr);
            try {
                Files.setPosixFilePermissions(tmp, mode); // the umask may have taken bits away from a kept mode
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            return ch;
        } catch (FileAlreadyExistsException e) {
            throw new IOException("temp file " + tmp + " exists: another writer uses this process id", e);
        }
    }
}
