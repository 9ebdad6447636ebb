package org.mailwarden.imap;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The buffer between a session's responses and its socket. Unlike a {@link java.io.BufferedOutputStream} it
 * can give its array back ({@link #release()}) while the connection waits: 10,000 clients in IDLE then hold
 * no response buffer at all, and the next write allocates a fresh one. Writes of at least the buffer's
 * size (message bodies) go straight to the socket. Not thread-safe: the session's output lock guards it.
 */
final class ResponseBuffer extends OutputStream {

    private final OutputStream socket;
    private final int size;
    private byte[] buf;
    private int count;

    ResponseBuffer(OutputStream socket, int size) {
        this.socket = Objects.requireNonNull(socket);
        this.size = size;
    }

    @Override
    public void write(int b) throws IOException {
        if (buf == null) {
            buf = new byte[size];
        } else if (count == size) {
            drain();
        }
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len >= size) {
            drain();
            socket.write(b, off, len);
            return;
        }
        if (buf == null) {
            buf = new byte[size];
        } else if (len > size - count) {
            drain();
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    @Override
    public void flush() throws IOException {
        drain();
        socket.flush();
    }

    /** Flushes, then drops the array until the next write. */
    void release() throws IOException {
        flush();
        buf = null;
    }

    private void drain() throws IOException {
        if (count > 0) {
            socket.write(buf, 0, count);
            count = 0;
        }
    }

    @Override
    public void close() throws IOException {
        flush();
        socket.close();
    }
}
