package org.mailwarden.imap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads IMAP commands: a line, and for each line ending in a literal announcement {@code {n}} or
 * {@code {n+}} (LITERAL+, RFC 7888), the n octets and the line that follows. Bounds the command's text and its
 * literals, which are held in memory and grown as their octets arrive, never allocated from what is announced:
 * together at most {@value #LOGIN_LITERALS} octets before login (Dovecot's pre-login limit is alike), at most
 * {@value #COMMAND_LITERALS} after it (SEARCH strings, mailbox names). A synchronizing literal gets its "+"
 * continuation only when it is within the limit. The one large literal, APPEND's message, is not read here: once
 * logged in, its announcement comes back as {@link Read.Message} and the session streams its octets
 * ({@link #copy}) to where the message is stored.
 */
final class ImapInput {

    /** The octets of all literals of one command before login: a user name and a password, with room to spare. */
    static final int LOGIN_LITERALS = 8 * 1024;
    /** The octets of all literals of one command after login, but for APPEND's message. */
    static final int COMMAND_LITERALS = 1024 * 1024;
    /** What a literal costs of those at least, however short: a command cannot be made of endless empty ones. */
    private static final int LITERAL_COST = 64;

    /** What one read produced. */
    sealed interface Read {
        /** A whole command: alternating text lines (without CRLF) and literal bytes, starting with a line. */
        record Command(List<Object> parts) implements Read {}

        /**
         * APPEND's message announced: the command so far ({@code parts}, its last line ending in the announcement),
         * before any "+" was sent for it. The caller reads the octets (or refuses them) and the rest of the line.
         */
        record Message(List<Object> parts, long size, boolean nonSync) implements Read {}

        /** A line over the limit (discarded up to its end). */
        record TooLong(String tag) implements Read {}

        /**
         * A literal over {@code limit}, the limit of the state the session is in ({@code loggedIn} or not); for a
         * non-synchronizing one the octets are already on their way.
         */
        record TooBig(String tag, long size, boolean nonSync, long limit, boolean loggedIn) implements Read {}

        /** A line longer than many times the limit: not a client, an attack. */
        record Abusive() implements Read {}

        record End() implements Read {}
    }

    /** Stands for APPEND's message in a command's parts: its octets went elsewhere (see {@link Read.Message}). */
    record Streamed(long size) {}

    /** Sends the "+" continuation for a synchronizing literal. */
    @FunctionalInterface
    interface Continuation {
        void ready() throws IOException;
    }

    private static final Pattern LITERAL = Pattern.compile("\\{(\\d{1,19})(\\+?)\\}$");
    private static final Pattern APPEND = Pattern.compile("\\S+ APPEND( .*)?", Pattern.CASE_INSENSITIVE);
    /** A first line that is "tag APPEND {n}": that literal is the mailbox name, not the message. */
    private static final Pattern APPEND_MAILBOX = Pattern.compile("\\S+ APPEND \\{\\d+\\+?\\}", Pattern.CASE_INSENSITIVE);

    private InputStream in;
    /** Small: every open connection holds one; literals are copied out in pieces anyway. */
    private static final int BUFFER = 4 * 1024;
    /** What an IDLE connection holds while it waits, instead of {@link #BUFFER} (see {@link #await()}). */
    private static final int WAIT_BUFFER = 64;

    private byte[] buf = new byte[BUFFER];
    private int pos;
    private int limit;
    private final int maxLine;
    private final long maxLiterals;
    private final Runnable beforeBlocking;
    private boolean loggedIn;

    /** {@code maxLiteral}: the message size limit, which also caps the literals of other commands. */
    ImapInput(InputStream in, int maxLine, long maxLiteral, Runnable beforeBlocking) {
        this.in = in;
        this.maxLine = maxLine;
        this.maxLiterals = Math.min(maxLiteral, COMMAND_LITERALS);
        this.beforeBlocking = beforeBlocking;
    }

    /** After login: larger literals are allowed, and APPEND's message is handed to the session. */
    void loggedIn() {
        loggedIn = true;
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
        long text = 0;
        long literals = 0;
        long limit = loggedIn ? maxLiterals : Math.min(maxLiterals, LOGIN_LITERALS);
        while (true) {
            boolean[] overflow = new boolean[1];
            String line = line(overflow);
            if (line == null) {
                return overflow[0] ? new Read.Abusive() : new Read.End();
            }
            String tag = parts.isEmpty() ? tagOf(line) : tagOf((String) parts.getFirst());
            text += line.length();
            if (overflow[0] || text > maxLine) { // the line limit holds for the command's lines together
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
            if (loggedIn && isMessage(parts)) {
                return new Read.Message(parts, size, nonSync);
            }
            long cost = Math.max(size, LITERAL_COST);
            if (cost > limit - literals) {
                return new Read.TooBig(tag, size, nonSync, limit, loggedIn);
            }
            literals += cost;
            if (!nonSync) {
                continuation.ready();
            }
            byte[] literal = literal((int) size);
            if (literal == null) {
                return new Read.End();
            }
            parts.add(literal);
        }
    }

    /** Whether the literal the last of {@code parts} announces is APPEND's message (any but its mailbox's). */
    private static boolean isMessage(List<Object> parts) {
        String first = (String) parts.getFirst();
        return APPEND.matcher(first).matches() && !(parts.size() == 1 && APPEND_MAILBOX.matcher(first).matches());
    }

    /** The next {@code size} octets, in an array grown as they arrive; null at end of stream. */
    private byte[] literal(int size) throws IOException {
        byte[] literal = new byte[Math.min(size, BUFFER)];
        int off = 0;
        while (off < size) {
            if (pos == limit && !fill()) {
                return null;
            }
            if (off == literal.length) {
                literal = Arrays.copyOf(literal, (int) Math.min(size, 2L * literal.length));
            }
            int k = Math.min(limit - pos, literal.length - off);
            System.arraycopy(buf, pos, literal, off, k);
            pos += k;
            off += k;
        }
        return literal;
    }

    /** Passes the next {@code size} octets to {@code out} as they arrive; false if the stream ends first. */
    boolean copy(long size, OutputStream out) throws IOException {
        long left = size;
        while (left > 0) {
            if (pos == limit && !fill()) {
                return false;
            }
            int k = (int) Math.min(limit - pos, left);
            out.write(buf, pos, k);
            pos += k;
            left -= k;
        }
        return true;
    }

    /** The tag of a command line, or "*" when it has none that can be echoed. */
    static String tagOf(String line) {
        int sp = line.indexOf(' ');
        String t = sp < 0 ? line : line.substring(0, sp);
        return t.isEmpty() || t.length() > 64 || !t.chars().allMatch(ch -> ch > ' ' && ch < 0x7f && ch != '+')
                ? "*" : t;
    }
}
