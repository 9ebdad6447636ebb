package org.mailwarden.imap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads IMAP commands: a line, and for each line ending in a literal announcement {@code {n}} or
 * {@code {n+}} (LITERAL+, RFC 7888), the n octets and the line that follows. Bounds the line length and the
 * literal size; a synchronizing literal gets its "+" continuation only when it is within the limit.
 */
final class ImapInput {

    /** What one read produced. */
    sealed interface Read {
        /** A whole command: alternating text lines (without CRLF) and literal bytes, starting with a line. */
        record Command(List<Object> parts) implements Read {}

        /** A line over the limit (discarded up to its end). */
        record TooLong(String tag) implements Read {}

        /** A literal over the limit; for a non-synchronizing one the octets are already on their way. */
        record TooBig(String tag, long size, boolean nonSync) implements Read {}

        /** A line longer than many times the limit: not a client, an attack. */
        record Abusive() implements Read {}

        record End() implements Read {}
    }

    /** Sends the "+" continuation for a synchronizing literal. */
    @FunctionalInterface
    interface Continuation {
        void ready() throws IOException;
    }

    private static final Pattern LITERAL = Pattern.compile("\\{(\\d{1,19})(\\+?)\\}$");

    private InputStream in;
    /** Small: every open connection holds one; literals are copied out in pieces anyway. */
    private static final int BUFFER = 4 * 1024;
    /** What an IDLE connection holds while it waits, instead of {@link #BUFFER} (see {@link #await()}). */
    private static final int WAIT_BUFFER = 64;

    private byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;
    private final int maxLine;
    private final long maxLiteral;
    private final Runnable beforeBlocking;

    ImapInput(InputStream in, int maxLine, long maxLiteral, Runnable beforeBlocking) {
        this.in = in;
        this.maxLine = maxLine;
        this.maxLiteral = maxLiteral;
        this.beforeBlocking = beforeBlocking;
    }

    /** Octets received but not read yet (pipelined input). */
    int buffered() {
        return limit - pos;
    }

    /** Switches to a new stream (after STARTTLS), dropping whatever was buffered from the old one. */
    void reset(InputStream newIn) {
        in = newIn;
        pos = 0;
        limit = 0;
    }

    private int next() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /** Reads what the client sent next into the buffer (after flushing the answers due); false at its end. */
    private boolean fill() throws IOException {
        beforeBlocking.run();
        if (buf == null) {
            buf = new byte[BUFFER];
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    /**
     * Blocks until the client sends something, without reading it; false at end of stream. Meant for a
     * connection that may wait for hours (IDLE): it holds a few bytes meanwhile instead of its buffer. A
     * {@link java.net.SocketTimeoutException} leaves the input as it was, so the caller may wait again.
     */
    boolean await() throws IOException {
        if (pos < limit) {
            return true;
        }
        buf = null;
        byte[] first = new byte[WAIT_BUFFER];
        int n = in.read(first, 0, first.length);
        if (n <= 0) {
            return false;
        }
        buf = new byte[BUFFER];
        System.arraycopy(first, 0, buf, 0, n);
        pos = 0;
        limit = n;
        return true;
    }

    /**
     * One line without its line end; null at end of stream. Lines longer than the limit come back as
     * {@code overflow[0] = true} with only their start (whatever was kept) and are discarded to their end.
     */
    String line(boolean[] overflow) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(128);
        long total = 0;
        int c;
        while ((c = next()) >= 0) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length;
                if (n > 0 && bytes[n - 1] == '\r') {
                    n--;
                }
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            total++;
            if (total <= maxLine) {
                b.write(c);
            } else {
                overflow[0] = true;
                if (total > 64L * maxLine) {
                    return null;
                }
            }
        }
        return total == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    Read read(Continuation continuation) throws IOException {
        List<Object> parts = new ArrayList<>();
        long total = 0;
        while (true) {
            boolean[] overflow = new boolean[1];
            String line = line(overflow);
            if (line == null) {
                return overflow[0] ? new Read.Abusive() : new Read.End();
            }
            String tag = parts.isEmpty() ? tagOf(line) : tagOf((String) parts.getFirst());
            if (overflow[0]) {
                return new Read.TooLong(tag);
            }
            parts.add(line);
            Matcher m = LITERAL.matcher(line);
            if (!m.find()) {
                return new Read.Command(parts);
            }
            long size;
            try {
                size = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                size = Long.MAX_VALUE;
            }
            boolean nonSync = !m.group(2).isEmpty();
            total += size;
            if (size > maxLiteral || total > maxLiteral + 64L * maxLine) {
                return new Read.TooBig(tag, size, nonSync);
            }
            if (!nonSync) {
                continuation.ready();
            }
            byte[] literal = new byte[(int) size];
            int off = 0;
            while (off < literal.length) {
                if (pos == limit && !fill()) {
                    return new Read.End();
                }
                int k = Math.min(limit - pos, literal.length - off);
                System.arraycopy(buf, pos, literal, off, k);
                pos += k;
                off += k;
            }
            parts.add(literal);
        }
    }

    private static String tagOf(String line) {
        int sp = line.indexOf(' ');
        String t = sp < 0 ? line : line.substring(0, sp);
        return t.isEmpty() || t.length() > 64 || !t.chars().allMatch(ch -> ch > ' ' && ch < 0x7f && ch != '+')
                ? "*" : t;
    }
}
