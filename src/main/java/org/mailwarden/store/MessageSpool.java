package org.mailwarden.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * APPEND's message as it arrives: written to a file in the target folder's tmp/ with LF line ends (a CR before an LF
 * is dropped, as {@link Crlf#toLf} does), counting as it goes the file's size (Dovecot's S=) and
 * its size in network form (W=, what {@link Crlf#size} would count). Holds one buffer.
 */
final class MessageSpool extends OutputStream {

    private static final int BUFFER = 16 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final byte[] buf = new byte[BUFFER];
    private int count;
    private boolean pendingCr;
    private byte last;
    private long size;
    private long networkSize;
    private IOException failure;

    private MessageSpool(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** A new, empty file at {@code file}. */
    static MessageSpool create(Path file) throws IOException {
        return new MessageSpool(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (pendingCr) {
                pendingCr = false;
                if (c != '\n') {
                    put((byte) '\r');
                }
            }
            if (c == '\r') {
                pendingCr = true;
            } else {
                put(c);
            }
        }
    }

    private void put(byte c) {
        if (count == buf.length) {
            drain();
        }
        buf[count++] = c;
        size++;
        networkSize += c == '\n' && last != '\r' ? 2 : 1;
        last = c;
    }

    /** Writes the buffer out; a failure (disk full) is kept for {@link #finish}, and the rest is dropped. */
    private void drain() {
        if (failure == null) {
            try {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, count);
                while (bb.hasRemaining()) {
                    channel.write(bb);
                }
            } catch (IOException e) {
                failure = e;
            }
        }
        count = 0;
    }

    /**
     * Writes what is left, makes the file durable and closes it; throws what went wrong meanwhile. (Writes do not
     * throw: the message's octets must all be read off the connection whatever happens to the file.)
     */
    void finish() throws IOException {
        if (pendingCr) {
            pendingCr = false;
            put((byte) '\r');
        }
        drain();
        if (failure != null) {
            throw failure;
        }
        channel.force(true);
        channel.close();
    }

    /** Closes and removes the file: the APPEND failed, was refused or cut off. */
    void abort() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // removed anyway
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a stale file in tmp/ is what a crash leaves too; Maildir readers ignore tmp/
        }
    }

    Path file() {
        return file;
    }

    /** The octets in the file (S=). */
    long size() {
        return size;
    }

    /** The octets the file has in network form (W=). */
    long networkSize() {
        return networkSize;
    }
}
