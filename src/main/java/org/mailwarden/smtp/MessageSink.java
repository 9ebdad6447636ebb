package org.mailwarden.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.mailwarden.delivery.Reception;

/**
 * The message being received, streamed into the delivery pipeline's {@link Reception}, which spools it for its
 * destinations and, at the end, judges and commits it. When a {@link HeaderHook} is set (submission, RFC 6409 8),
 * the header section is held back until its end (the first empty line), shown to the hook, which may refuse the
 * message or add fields (Message-ID, Date), and then written: those fixes belong to the message itself, for its
 * remote recipients as much as its local ones.
 */
final class MessageSink implements AutoCloseable {

    /** Sees the header section (network form, CRLF) once; returns fields to append to it (or an empty array). */
    interface HeaderHook {
        byte[] onHeaders(byte[] header);
    }

    /** Headers longer than this are passed through unexamined rather than held in memory. */
    private static final int MAX_HEADER = 1 << 20;

    private final Reception reception;
    private final HeaderHook hook;
    private ByteArrayOutputStream header;
    private byte heldLast;
    private byte heldBeforeLast;
    private long size;

    MessageSink(Reception reception, HeaderHook hook) {
        this.reception = reception;
        this.hook = hook;
        this.header = hook == null ? null : new ByteArrayOutputStream(4096);
    }

    void write(byte[] b, int off, int len) throws IOException {
        size += len;
        if (header == null) {
            writeParts(b, off, len);
            return;
        }
        int end = headerEnd(b, off, len);
        if (end < 0) {
            header.write(b, off, len);
            if (header.size() > MAX_HEADER) {
                releaseHeader(false);
            }
            return;
        }
        header.write(b, off, end - off);
        releaseHeader(true);
        writeParts(b, end, off + len - end);
    }

    /** Where the header section ends within this write: the offset of the empty line's CR, or -1 if not yet. */
    private int headerEnd(byte[] b, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (b[i] != '\n') {
                continue;
            }
            // an empty line is CR LF right after the LF that ended the previous line (or at the very start)
            byte cr = i - 1 >= off ? b[i - 1] : heldLast;
            if (cr != '\r') {
                continue;
            }
            int held = header.size() + (i - 1 - off); // bytes before the CR
            if (held == 0) {
                return i - 1;
            }
            byte prev = i - 2 >= off ? b[i - 2] : (i - 2 == off - 1 ? heldLast : heldBeforeLast);
            if (prev == '\n') {
                return i - 1;
            }
        }
        if (len >= 2) {
            heldBeforeLast = b[end - 2];
            heldLast = b[end - 1];
        } else if (len == 1) {
            heldBeforeLast = heldLast;
            heldLast = b[off];
        }
        return -1;
    }

    private void releaseHeader(boolean complete) throws IOException {
        byte[] h = header.toByteArray();
        header = null;
        byte[] extra = hook.onHeaders(h);
        writeParts(h, 0, h.length);
        if (complete || extra.length == 0) {
            writeParts(extra, 0, extra.length);
        }
    }

    private void writeParts(byte[] b, int off, int len) throws IOException {
        reception.write(b, off, len);
    }

    long size() {
        return size;
    }

    /** Ends the header section if the message had no empty line at all: the whole message was header. */
    void finishHeader() throws IOException {
        if (header == null) {
            return;
        }
        byte[] h = header.toByteArray();
        header = null;
        byte[] extra = hook.onHeaders(h);
        writeParts(h, 0, h.length);
        if (extra.length > 0) {
            if (h.length > 0 && h[h.length - 1] != '\n') {
                writeParts(new byte[] {'\r', '\n'}, 0, 2);
            }
            writeParts(extra, 0, extra.length);
        }
    }

    /** Ends the header section and hands the message to the pipeline: the verdict and the commit. Closes this. */
    Reception.Result deliver() throws IOException {
        finishHeader();
        return reception.deliver();
    }

    @Override
    public void close() {
        reception.close();
    }
}
