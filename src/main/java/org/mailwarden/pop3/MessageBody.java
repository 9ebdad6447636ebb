package org.mailwarden.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes a stored message (LF line ends, as in the Maildir file) to a POP3 client as the body of a multi-line
 * response (RFC 1939 3): every LF not preceded by CR becomes CRLF, a line that starts with "." gets one more
 * (byte-stuffing), the last line is ended if the file does not end one, and ".CRLF" closes it. For TOP, only the
 * header, the blank line after it and the first {@code n} lines of the body. Streamed through two small
 * buffers, so a message never needs to fit in memory.
 */
final class MessageBody {

    private static final int CHUNK = 8192;

    private final OutputStream out;
    /** A chunk can at most double (CR before each LF, "." before each line) and a line end be added. */
    private final byte[] pending = new byte[2 * CHUNK + 2];
    private int used;
    private boolean lineStart = true;
    private boolean lastCr;
    private boolean inHeader = true;
    /** Bytes of the current line so far, CR not counted: 0 at a line end means a blank line. */
    private long lineLength;
    /** Body lines still to send (TOP); negative: all. */
    private long bodyLines;

    private MessageBody(OutputStream out, long bodyLines) {
        this.out = out;
        this.bodyLines = bodyLines;
    }

    /** The whole message (RETR). */
    static void write(InputStream file, OutputStream out) throws IOException {
        new MessageBody(out, -1).copy(file);
    }

    /** The header and the first {@code lines} lines of the body (TOP). */
    static void top(InputStream file, OutputStream out, long lines) throws IOException {
        new MessageBody(out, lines).copy(file);
    }

    private void copy(InputStream file) throws IOException {
        byte[] chunk = new byte[CHUNK];
        boolean more = true;
        int n;
        while (more && (n = file.read(chunk)) > 0) {
            more = convert(chunk, n);
            out.write(pending, 0, used);
            used = 0;
        }
        if (!lineStart) {
            pending[used++] = '\r';
            pending[used++] = '\n';
        }
        pending[used++] = '.';
        pending[used++] = '\r';
        pending[used++] = '\n';
        out.write(pending, 0, used);
        used = 0;
    }

    /** Converts {@code n} bytes into {@link #pending}; false once TOP has sent all it should. */
    private boolean convert(byte[] chunk, int n) {
        byte[] p = pending;
        int u = used;
        for (int i = 0; i < n; i++) {
            byte c = chunk[i];
            if (lineStart && c == '.') {
                p[u++] = '.';
            }
            if (c == '\n') {
                if (!lastCr) {
                    p[u++] = '\r';
                }
                p[u++] = '\n';
                lastCr = false;
                lineStart = true;
                boolean blank = lineLength == 0;
                lineLength = 0;
                if (inHeader) {
                    inHeader = !blank;
                    if (!inHeader && bodyLines == 0) {
                        used = u;
                        return false;
                    }
                } else if (bodyLines > 0 && --bodyLines == 0) {
                    used = u;
                    return false;
                }
                continue;
            }
            p[u++] = c;
            lineStart = false;
            lastCr = c == '\r';
            if (!lastCr) {
                lineLength++;
            }
        }
        used = u;
        return true;
    }
}
