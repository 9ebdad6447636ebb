package org.mailwarden.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A message being written into a maildir's tmp/, in the form Maildir files have: {@code Return-Path} first, then
 * the message with LF line ends (what Dovecot writes and expects by default, mail_save_crlf = no). The caller
 * writes network form (CRLF, RFC 5321 2.3.8); a CR directly followed by LF is dropped, even when the two arrive in
 * different {@link #write} calls; a bare CR is kept. {@link #finish} makes the file durable (fdatasync) and says
 * what it holds; nothing names it in new/ or cur/ yet, which is {@link MaildirStore#deliver} and
 * {@link MaildirStore#link}'s work.
 *
 * <p>Not thread-safe: one session writes it.
 */
public final class MaildirSpool implements AutoCloseable {

    private static final int BUFFER_SIZE = 64 * 1024;

    /**
     * A finished spool file: durable data, a name in tmp/ only. {@code size} is the file's length (S=),
     * {@code vsize} its length in network form (W=), {@code head} the length of its Return-Path line, after which
     * the message itself starts.
     */
    public record Spooled(Path file, Path maildir, String baseName, long size, long vsize, int head) {

        /** Removes the file from tmp/ (no fsync: a leftover is swept after 36 hours, and a name in tmp/ is no copy). */
        public void discard() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // swept later
            }
        }
    }

    private final Path maildir;
    private final Path tmpFile;
    private final String baseName;
    private final FileChannel channel;
    private final int head;

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
    private boolean open = true;
    private boolean finished;
    private Spooled spooled;

    MaildirSpool(String returnPath, Path maildir, MaildirStore.TmpFile tmp) throws IOException {
        this.maildir = maildir;
        this.tmpFile = tmp.path();
        this.baseName = tmp.baseName();
        this.channel = tmp.channel();
        // Dovecot's LDA writes the envelope sender first (RFC 5321 4.4); "<>" for the null sender.
        byte[] header = ("Return-Path: <" + returnPath + ">\r\n").getBytes(StandardCharsets.UTF_8);
        append(header, 0, header.length);
        this.head = pos;
    }

    /** Appends bytes of the message in network form. */
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (!open || spooled != null) {
            throw new IllegalStateException("spool already " + (finished ? "finished" : "written or discarded"));
        }
        written += len;
        append(b, off, len);
    }

    /** Bytes written so far, in network form (the Return-Path line not counted). */
    public long size() {
        return written;
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

    /**
     * Writes what is buffered to the file, which can be read from then on (by the steps that judge it); no more
     * writes. Not durable yet: see {@link #durable}.
     */
    public Spooled written() throws IOException {
        if (!open) {
            throw new IllegalStateException("spool already " + (finished ? "finished" : "discarded"));
        }
        if (spooled == null) {
            try {
                if (pendingCr) { // a message ending in a bare CR keeps it
                    pendingCr = false;
                    buf[pos++] = '\r';
                    if (pos == buf.length) {
                        pos = drain(pos);
                    }
                }
                pos = drain(pos);
            } catch (IOException | RuntimeException | Error e) {
                close();
                throw e;
            }
            // W= as Dovecot computes it from the file: every LF not preceded by CR counts as CRLF.
            spooled = new Spooled(tmpFile, maildir, baseName, flushed, flushed + bareLfs, head);
        }
        return spooled;
    }

    /**
     * Makes the data durable: fdatasync, so the data and the size needed to read it are on disk before any name
     * points at the file (timestamps need not be). The file is the caller's from then on ({@link Spooled#discard});
     * on failure it is removed.
     */
    public Spooled durable() throws IOException {
        Spooled s = written();
        try {
            channel.force(false);
            channel.close();
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
        open = false;
        finished = true;
        return s;
    }

    /** {@link #written} and {@link #durable}. */
    public Spooled finish() throws IOException {
        return durable();
    }

    /** Discards the file unless it was made durable (a durable one belongs to the caller now). */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        try {
            channel.close();
        } catch (IOException e) {
            // the file goes anyway
        }
        try {
            Files.deleteIfExists(tmpFile);
        } catch (IOException e) {
            // swept after 36 hours
        }
    }
}
