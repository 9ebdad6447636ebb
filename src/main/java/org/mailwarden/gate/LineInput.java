package org.mailwarden.gate;

import java.io.IOException;
import java.io.InputStream;

/**
 * Buffered reader for a line-based protocol's byte stream (SMTP, POP3). It knows how many bytes the client has
 * already sent (for STARTTLS injection checks) and calls {@code beforeBlock} before it would wait on the socket,
 * which is where the session flushes its pending replies: that is all PIPELINING (RFC 2920, RFC 2449) needs from
 * the server.
 */
public final class LineInput {

    /** Result of {@link #readLine}; reused, one per session. */
    public static final class Line {
        /** Bytes stored in the caller's buffer (at most its capacity). */
        public int stored;
        /** Bytes the line really had, terminator included. */
        public long total;
        /** More bytes than the buffer holds: the rest was discarded up to the terminator. */
        public boolean overflow;
        /** Ends with CRLF (false: bare LF, or cut off by the discard cap). */
        public boolean crlf;
        /** The discard cap was hit before any LF: the client is abusing the line limit. */
        public boolean abusive;
        public boolean nul;
        /** A CR not followed by LF inside the line (RFC 5321 2.3.8: CR and LF only ever come as CRLF). */
        public boolean bareCr;
    }

    private InputStream in;
    private final byte[] buf;
    private int pos;
    private int lim;
    private final Runnable beforeBlock;

    /** With a 32 KiB buffer (SMTP: message data comes through it). */
    public LineInput(InputStream in, Runnable beforeBlock) {
        this(in, 32 * 1024, beforeBlock);
    }

    /** With a buffer of {@code bufferSize} bytes (every open connection holds one). */
    public LineInput(InputStream in, int bufferSize, Runnable beforeBlock) {
        this.in = in;
        this.buf = new byte[bufferSize];
        this.beforeBlock = beforeBlock;
    }

    /** Switches to a new stream (after STARTTLS) and drops anything buffered from the old one. */
    public void reset(InputStream newIn) {
        in = newIn;
        pos = 0;
        lim = 0;
    }

    public int buffered() {
        return lim - pos;
    }

    /** Bytes the client has sent that we have not consumed: in our buffer or already in the socket. */
    public boolean hasPendingInput() {
        if (lim > pos) {
            return true;
        }
        try {
            return in.available() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits for the client to send something, up to the socket's read timeout (set by the caller). True if data
     * arrived (it stays buffered), false on the timeout.
     */
    public boolean awaitInput() throws IOException {
        try {
            return fill();
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private boolean fill() throws IOException {
        if (pos < lim) {
            return true;
        }
        beforeBlock.run();
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        lim = n;
        return true;
    }

    /**
     * Reads one LF-terminated line into {@code dst}. Returns false on end of stream. A line longer than
     * {@code dst} is consumed up to its LF (or up to {@code discardCap} bytes, then {@code abusive}).
     */
    public boolean readLine(Line line, byte[] dst, long discardCap) throws IOException {
        line.stored = 0;
        line.total = 0;
        line.overflow = false;
        line.crlf = false;
        line.abusive = false;
        line.nul = false;
        line.bareCr = false;
        int cap = dst.length;
        boolean lastCr = false;
        while (true) {
            if (!fill()) {
                return false;
            }
            int start = pos;
            int end = lim;
            int lf = -1;
            byte[] b = buf;
            if (lastCr && b[start] != '\n') {
                line.bareCr = true; // the previous chunk ended with a CR
            }
            for (int i = start; i < end; i++) {
                byte c = b[i];
                if (c == '\n') {
                    lf = i;
                    break;
                }
                if (c == 0) {
                    line.nul = true;
                } else if (c == '\r' && i + 1 < end && b[i + 1] != '\n') {
                    line.bareCr = true;
                }
            }
            int chunkEnd = lf >= 0 ? lf + 1 : end;
            int n = chunkEnd - start;
            int room = cap - line.stored;
            if (n <= room) {
                System.arraycopy(b, start, dst, line.stored, n);
                line.stored += n;
            } else {
                System.arraycopy(b, start, dst, line.stored, room);
                line.stored = cap;
                line.overflow = true;
            }
            if (lf >= 0) {
                boolean cr = lf > start ? b[lf - 1] == '\r' : lastCr;
                line.crlf = cr;
            } else {
                lastCr = b[end - 1] == '\r';
            }
            line.total += n;
            pos = chunkEnd;
            if (lf >= 0) {
                return true;
            }
            if (line.total > discardCap) {
                line.abusive = true;
                return true;
            }
        }
    }

    /** Reads up to {@code len} bytes (at least one), blocking only when nothing is buffered. -1 at end. */
    public int read(byte[] dst, int off, int len) throws IOException {
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }
}
