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
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
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
 * {@link Options} put the temp file elsewhere on the file system (a queue's {@code tmp/}), set the mode, keep the
 * old file's owner and group; {@link #begin} streams content in over time.
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
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private AtomicFile() {}

    /**
     * How a replacement is made. {@code tempDir}: where the temp file lives (null: next to the target; else a
     * directory of the same file system, e.g. a queue's {@code tmp/}). {@code mode}: the new file's (null: the old
     * file's, 0600 for a new one). {@code keepOwner}: the old file's owner and group carry over where permitted
     * (root editing a file of the mail user must not hand it to root). {@code newFileGid}: a new file's group (-1:
     * the creator's). {@code syncDirectory}: fsync the target's directory after the rename (false only inside a
     * multi-file commit whose last step does it).
     */
    public record Options(Path tempDir, Set<PosixFilePermission> mode, boolean keepOwner, int newFileGid,
            boolean syncDirectory) {
        /** Next to the target, the old file's mode, durable at once. */
        public static final Options DEFAULT = new Options(null, null, false, -1, true);

        public Options inTempDir(Path dir) {
            return new Options(dir, mode, keepOwner, newFileGid, syncDirectory);
        }

        public Options withMode(Set<PosixFilePermission> m) {
            return new Options(tempDir, m, keepOwner, newFileGid, syncDirectory);
        }

        public Options keepingOwner() {
            return new Options(tempDir, mode, true, newFileGid, syncDirectory);
        }

        public Options withNewFileGroup(int gid) {
            return new Options(tempDir, mode, keepOwner, gid, syncDirectory);
        }

        public Options withoutDirectorySync() {
            return new Options(tempDir, mode, keepOwner, newFileGid, false);
        }
    }

    /** Replaces {@code target} with what {@code content} writes (see the class comment). */
    public static void write(Path target, Content content) throws IOException {
        write(target, Options.DEFAULT, content);
    }

    /** As {@link #write(Path, Content)}, the new file getting {@code mode} whatever the old one had. */
    public static void write(Path target, Set<PosixFilePermission> mode, Content content) throws IOException {
        write(target, Options.DEFAULT.withMode(mode), content);
    }

    /** As {@link #write(Path, Content)}, made as {@code options} say. */
    public static void write(Path target, Options options, Content content) throws IOException {
        try (Pending p = begin(target, options)) {
            content.writeTo(p.out());
            p.commit();
        }
    }

    /**
     * Starts a replacement of {@code target} whose content is streamed in over time (a queued message): write to
     * {@link Pending#out()}, then {@link Pending#commit()}; closed without a commit, the temp file is removed.
     */
    public static Pending begin(Path target, Options options) throws IOException {
        return new Pending(target, options);
    }

    /** A replacement being written: a temp file with a unique name until the commit renames it over the target. */
    public static final class Pending implements AutoCloseable {
        private final Path target;
        private final Options options;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private boolean done;

        private Pending(Path target, Options options) throws IOException {
            this.target = target;
            this.options = options;
            Path dir = options.tempDir() != null ? options.tempDir() : target.toAbsolutePath().getParent();
            this.tmp = dir.resolve("." + target.getFileName() + "." + PID + "." + COUNTER.incrementAndGet()
                    + TMP_SUFFIX);
            this.channel = create(tmp);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 16 * 1024);
        }

        /** Where the content goes; do not close it. */
        /** The temp file being written (readable before the commit: a queue's steps judge it there). */
        public Path tmp() {
            return tmp;
        }

        public OutputStream out() {
            return out;
        }

        /**
         * Makes the content the target's: flush, the mode (and owner) it is to have, fsync, rename over the target,
         * fsync the directory (unless {@link Options#syncDirectory()} is false). On a failure the temp is removed.
         */
        public void commit() throws IOException {
            if (done) {
                throw new IllegalStateException("already committed or closed");
            }
            done = true;
            try {
                try (FileChannel ch = channel) {
                    out.flush();
                    PosixFileAttributes old = posixAttributes(target);
                    Set<PosixFilePermission> mode = options.mode() != null ? options.mode()
                            : old != null ? old.permissions() : OWNER_ONLY;
                    if (POSIX) {
                        // after the content: the temp was owner-only while it was written; the umask takes nothing
                        Files.setPosixFilePermissions(tmp, mode);
                    }
                    if (old != null && options.keepOwner()) {
                        keepOwner(tmp, old);
                    } else if (old == null && options.newFileGid() >= 0) {
                        setGroup(tmp, options.newFileGid());
                    }
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException | Error e) {
                deleteTemp(e);
                throw e;
            }
            if (options.syncDirectory()) {
                forceDirectory(target.toAbsolutePath().getParent());
            }
        }

        /** Without a commit: drops the temp file. */
        @Override
        public void close() throws IOException {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        private void deleteTemp(Throwable e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
        }
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

    /** {@code file}'s POSIX attributes; null when it does not exist or the file system has none. */
    public static PosixFileAttributes posixAttributes(Path file) throws IOException {
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
            return view == null ? null : view.readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Owner and group of {@code original} onto {@code file}, where permitted (only root may give a file away). */
    private static void keepOwner(Path file, PosixFileAttributes original) {
        try {
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
            PosixFileAttributes now = view.readAttributes();
            if (!now.owner().equals(original.owner())) {
                view.setOwner(original.owner());
            }
            if (!now.group().equals(original.group())) {
                view.setGroup(original.group());
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // not permitted: the file stays ours, with the mode it was given
        }
    }

    private static void setGroup(Path file, int gid) {
        try {
            Files.setAttribute(file, "unix:gid", gid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            // not permitted or not Unix: the creator's group, as without it
        }
    }

    /** A temp file, owner-only while the content is written (its mode is set at the commit). */
    private static FileChannel create(Path tmp) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            if (!POSIX) {
                return FileChannel.open(tmp, options);
            }
            return FileChannel.open(tmp, options, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("temp file " + tmp + " exists: another writer uses this process id", e);
        }
    }
}
