package org.mailwarden.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One message being delivered into one or more maildirs. The message is written once, into the first
 * maildir's tmp/, and then hard-linked into the others, so N recipients cost one file's worth of I/O.
 *
 * <p>Line ends: the caller writes network form (CRLF, RFC 5321 2.3.8); the file gets LF line ends, which
 * is what Dovecot writes and expects by default (mail_save_crlf = no). A CR directly followed by LF is
 * dropped, even when the two arrive in different {@link #write} calls; a bare CR is kept.
 *
 * <p>Not thread-safe: one session writes and commits it.
 */
final class MaildirDelivery implements IncomingMessage {

    private static final Logger log = LoggerFactory.getLogger(MaildirDelivery.class);
    private static final int BUFFER_SIZE = 64 * 1024;

    private enum State { OPEN, COMMITTED, DISCARDED }

    private final MaildirStore store;
    private final List<Path> maildirs;
    private final Path tmpFile;
    private final String baseName;
    private final FileChannel channel;

    private final byte[] buf = new byte[BUFFER_SIZE];
    private final ByteBuffer bufView = ByteBuffer.wrap(buf);
    private int pos;
    /** A CR was the last input byte; whether it is kept depends on the next byte. */
    private boolean pendingCr;
    /** The last byte put into the file, to tell CRLF from a bare LF in the file. */
    private byte lastOut = '\n';
    /** Bytes already written to the channel. */
    private long flushed;
    /** LFs in the file not preceded by CR: each is one byte longer in network form. */
    private long bareLfs;
    /** Bytes the caller passed to write(). */
    private long written;

    private State state = State.OPEN;
    private Path committed;

    MaildirDelivery(MaildirStore store, String returnPath, List<Path> maildirs, MaildirStore.TmpFile tmp)
            throws IOException {
        this.store = store;
        this.maildirs = List.copyOf(maildirs);
        this.tmpFile = tmp.path();
        this.baseName = tmp.baseName();
        this.channel = tmp.channel();
        // Dovecot's LDA writes the envelope sender first (RFC 5321 4.4); "<>" for the null sender.
        byte[] header = ("Return-Path: <" + returnPath + ">\r\n").getBytes(StandardCharsets.UTF_8);
        append(header, 0, header.length);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        requireOpen();
        written += len;
        append(b, off, len);
    }

    /** Converts CRLF to LF into the buffer, counting bare LFs for the W= size. */
    private void append(byte[] in, int off, int len) throws IOException {
        byte[] out = buf;
        int p = pos;
        byte last = lastOut;
        long lfs = bareLfs;
        boolean cr = pendingCr;
        for (int i = off, end = off + len; i < end; i++) {
            byte c = in[i];
            if (c == '\r') {
                if (cr) { // the previous CR was bare: keep it
                    out[p++] = '\r';
                    last = '\r';
                    if (p == out.length) {
                        p = drain(p);
                    }
                }
                cr = true;
                continue;
            }
            if (cr) {
                cr = false;
                if (c != '\n') { // bare CR: keep it; a CR before LF is dropped
                    out[p++] = '\r';
                    last = '\r';
                    if (p == out.length) {
                        p = drain(p);
                    }
                }
            }
            if (c == '\n' && last != '\r') {
                lfs++;
            }
            out[p++] = c;
            last = c;
            if (p == out.length) {
                p = drain(p);
            }
        }
        pos = p;
        lastOut = last;
        bareLfs = lfs;
        pendingCr = cr;
    }

    /** Writes buf[0, p) to the file; returns the new buffer position (0). */
    private int drain(int p) throws IOException {
        bufView.limit(p).position(0);
        while (bufView.hasRemaining()) {
            channel.write(bufView);
        }
        flushed += p;
        return 0;
    }

    @Override
    public long size() {
        return written;
    }

    @Override
    public String commit() throws IOException {
        requireOpen();
        List<Path> placed = new ArrayList<>(maildirs.size());
        try {
            if (pendingCr) { // a message ending in a bare CR keeps it
                pendingCr = false;
                buf[pos++] = '\r';
                if (pos == buf.length) {
                    pos = drain(pos);
                }
            }
            pos = drain(pos);
            // fdatasync: the data and the size needed to read it are durable before any name points at the file
            // (timestamps need not be); the names are made durable by the grouped directory fsync after the rename
            channel.force(false);
            channel.close();
            long size = flushed;
            // W= as Dovecot computes it from the file: every LF not preceded by CR counts as CRLF.
            long vsize = size + bareLfs;

            Set<Path> newDirs = new LinkedHashSet<>();
            for (Path maildir : maildirs.subList(1, maildirs.size())) {
                store.ensureMaildir(maildir);
                placed.add(linkOrCopy(maildir, size, vsize));
                newDirs.add(maildir.resolve("new"));
            }
            Path first = maildirs.getFirst().resolve("new").resolve(MaildirNames.withSizes(baseName, size, vsize));
            Files.move(tmpFile, first, StandardCopyOption.ATOMIC_MOVE); // rename(2): all or nothing
            placed.add(first);
            newDirs.add(first.getParent());
            // The renames/links are durable only once their directories are; concurrent deliveries share fsyncs.
            for (Path dir : newDirs) {
                store.directorySync().sync(dir);
            }
            committed = first;
            state = State.COMMITTED;
            store.delivered(maildirs);
            String id = MessageIds.next();
            log.trace("{} stored as {} in {} maildir(s), S={} W={}", id, first.getFileName(), maildirs.size(),
                    size, vsize);
            return id;
        } catch (IOException | RuntimeException | Error e) {
            // Not durable: the session will answer 4xx and the client retries, so remove what is visible
            // rather than risk a duplicate delivery.
            for (Path p : placed) {
                deleteQuietly(p, e);
            }
            discard(e);
            throw e;
        }
    }

    /**
     * Puts the (already fsynced) message into another maildir's new/ under its own unique name: a hard link
     * where possible, else a copy through that maildir's tmp/ (e.g. the maildirs are on different file
     * systems), fsynced before it becomes visible.
     */
    private Path linkOrCopy(Path maildir, long size, long vsize) throws IOException {
        Path newDir = maildir.resolve("new");
        for (int attempt = 0; ; attempt++) {
            String base = store.names().next();
            Path target = newDir.resolve(MaildirNames.withSizes(base, size, vsize));
            try {
                store.link(target, tmpFile);
                return target;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 2) {
                    throw e; // names are unique per process; something else writes our names
                }
            } catch (IOException | UnsupportedOperationException e) {
                log.warn("hard link into {} failed ({}); copying instead", newDir, e.toString());
                return copy(maildir, base, target);
            }
        }
    }

    private Path copy(Path maildir, String base, Path target) throws IOException {
        Path tmp = maildir.resolve("tmp").resolve(base);
        try {
            Files.copy(tmpFile, tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp, e);
            throw e;
        }
    }

    @Override
    public Path committedFile() {
        if (state != State.COMMITTED) {
            throw new IllegalStateException("message not committed");
        }
        return committed;
    }

    @Override
    public void close() {
        if (state == State.OPEN) {
            discard(null);
        }
    }

    private void discard(Throwable cause) {
        state = State.DISCARDED;
        try {
            channel.close();
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            }
        }
        deleteQuietly(tmpFile, cause);
    }

    private static void deleteQuietly(Path file, Throwable cause) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                log.warn("could not delete {}: {}", file, e.toString());
            }
        }
    }

    private void requireOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("message already " + state.name().toLowerCase(Locale.ROOT));
        }
    }
}
