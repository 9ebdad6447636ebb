package org.mailwarden.imap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MIME structure of a message: what BODYSTRUCTURE and BODY[section] need (RFC 3501 6.4.5, 7.4.2), with exact
 * octet counts in network form (CRLF) and where each part lies in the file (LF line ends), found in one pass over
 * the file that holds a line and the parts' headers, not the message. Lenient: a missing boundary, header or blank
 * line never fails, it just yields a simpler structure. Bounded: multiparts and message/rfc822 nest at most
 * {@value #MAX_DEPTH} levels (deeper ones are served as a leaf), a message has at most {@value #MAX_PARTS} parts, and
 * the headers kept for a message (field values, HEADER.FIELDS) are at most {@value #MAX_HEADERS} octets together.
 */
final class MimeTree {

    /** Nesting of multiparts and message/rfc822 parts (Dovecot's max_nested_mime_parts is also 100). */
    static final int MAX_DEPTH = 100;
    static final int MAX_PARTS = 2000;
    static final int MAX_HEADERS = 512 * 1024;
    /** A longer line is kept only this far (a boundary is at most 70 characters; a header line rarely 1000). */
    private static final int MAX_LINE = 64 * 1024;

    /** One header field: name as written, value unfolded. */
    record Field(String name, String value) {}

    /** A place in the message: its offset in network form, in the file, and the line ends before it. */
    record Pos(long net, long file, long lines) {}

    /**
     * A body part (or the whole message).
     *
     * @param headerStart where its header starts
     * @param bodyStart   where its body starts (after the blank line)
     * @param end         where it ends
     * @param header      its header in network form, as far as the message's header budget went
     * @param message     for message/rfc822: the encapsulated message, else null
     */
    record Part(Pos headerStart, Pos bodyStart, Pos end, byte[] header, List<Field> fields, String type,
            String subtype, Map<String, String> params, List<Part> children, Part message) {

        boolean multipart() {
            return type.equals("multipart");
        }

        String header(String name) {
            for (Field f : fields) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f.value();
                }
            }
            return null;
        }

        long bodySize() {
            return end.net() - bodyStart.net();
        }

        long bodyLines() {
            return end.lines() - bodyStart.lines();
        }
    }

    private MimeTree() {}

    /** The structure of a message in memory (file or network form). */
    static Part parse(byte[] message) {
        try {
            return parse(new ByteArrayInputStream(message));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from an array
        }
    }

    /** The structure of the message {@code in} reads (in file form) to its end. */
    static Part parse(InputStream in) throws IOException {
        Parser p = new Parser(in);
        p.advance();
        return p.part("text", "plain", 0);
    }

    /**
     * The message's header alone, read from {@code in} up to the blank line; {@code end} is where the message ends
     * (known from its sizes), for the top-level TEXT. No parts.
     */
    static Part header(InputStream in, Pos end) throws IOException {
        Parser p = new Parser(in);
        p.advance();
        Pos start = p.lineStart();
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        Pos bodyStart = p.header(header);
        if (bodyStart == null) {
            bodyStart = end; // no blank line: all header
        }
        byte[] h = header.toByteArray();
        List<Field> fields = fields(h, 0, h.length);
        String[] type = type(fields, "text", "plain");
        return Parser.typed(start, bodyStart, end, h, type, params(fields, type), fields, List.of(), null);
    }

    /**
     * The one pass over a message: reads it line by line (each line held up to {@link #MAX_LINE}), keeping the
     * position of the current line's start in both forms.
     */
    private static final class Parser {
        private final InputStream in;
        private final byte[] chunk = new byte[8192];
        private int chunkPos;
        private int chunkLen;
        /** Where the next unread octet is. */
        private long net;
        private long file;
        private long lines;
        /** The current line: where it starts, its octets (as kept), its length in the file. */
        private long lineNet;
        private long lineFile;
        private long lineLines;
        private byte[] line = new byte[256];
        private int lineLen;
        private long lineFileLen;
        /** The current line's line end in the file: 0 none (the last line), 1 LF, 2 CRLF; and the previous line's. */
        private int lineEnd;
        private int previousLineEnd;
        private boolean atEnd;
        /** The enclosing multiparts' delimiters ("--" boundary), outermost first. */
        private final List<byte[]> delimiters = new ArrayList<>();
        private int parts;
        private int headerBudget = MAX_HEADERS;

        Parser(InputStream in) {
            this.in = in;
        }

        Pos lineStart() {
            return new Pos(lineNet, lineFile, lineLines);
        }

        private int nextByte() throws IOException {
            if (chunkPos == chunkLen) {
                chunkLen = in.read(chunk, 0, chunk.length);
                chunkPos = 0;
                if (chunkLen <= 0) {
                    chunkLen = 0;
                    return -1;
                }
            }
            return chunk[chunkPos++] & 0xff;
        }

        /** Reads the next line; at the end of the message, {@link #atEnd}. */
        void advance() throws IOException {
            previousLineEnd = lineEnd;
            lineNet = net;
            lineFile = file;
            lineLines = lines;
            lineLen = 0;
            lineFileLen = 0;
            lineEnd = 0;
            int previous = -1;
            int c;
            while ((c = nextByte()) >= 0) {
                lineFileLen++;
                file++;
                net++;
                if (lineLen < MAX_LINE) {
                    if (lineLen == line.length) {
                        line = Arrays.copyOf(line, Math.min(MAX_LINE, 2 * line.length));
                    }
                    line[lineLen++] = (byte) c;
                }
                if (c == '\n') {
                    lines++;
                    if (previous == '\r') {
                        lineEnd = 2;
                    } else {
                        lineEnd = 1;
                        net++; // served with a CR before it
                    }
                    return;
                }
                previous = c;
            }
            atEnd = lineFileLen == 0;
        }

        /** Whether the current line is empty (just its line end). */
        private boolean blank() {
            return lineEnd > 0 && lineFileLen == lineEnd;
        }

        /** The index of the enclosing delimiter the current line starts with, outermost first; -1 for none. */
        private int delimiter() {
            if (atEnd) {
                return -1;
            }
            for (int i = 0; i < delimiters.size(); i++) {
                if (startsWith(delimiters.get(i), 0)) {
                    return i;
                }
            }
            return -1;
        }

        private boolean startsWith(byte[] prefix, int at) {
            if (lineLen - at < prefix.length) {
                return false;
            }
            for (int k = 0; k < prefix.length; k++) {
                if (line[at + k] != prefix[k]) {
                    return false;
                }
            }
            return true;
        }

        /** Adds the current line to a part's header, in network form, as far as the message's budget goes. */
        private void keep(ByteArrayOutputStream header) {
            boolean whole = lineLen == lineFileLen;
            int n = Math.min(whole ? lineLen - lineEnd : lineLen, headerBudget);
            header.write(line, 0, n);
            headerBudget -= n;
            if ((lineEnd > 0 || !whole) && headerBudget >= 2) {
                header.write('\r');
                header.write('\n');
                headerBudget -= 2;
            }
        }

        /**
         * Reads a header into {@code header}: up to and including its blank line, then where the body starts;
         * null if a delimiter or the end of the message comes first (the cursor is left on it).
         */
        Pos header(ByteArrayOutputStream header) throws IOException {
            while (!atEnd && delimiter() < 0) {
                keep(header);
                boolean blank = blank();
                advance();
                if (blank) {
                    return lineStart();
                }
            }
            return null;
        }

        /**
         * Where a part that started at {@code start} ends, the cursor being on the delimiter line (or at the end of
         * the message) that ends it: the line end before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
         */
        private Pos end(Pos start) {
            if (atEnd) {
                return lineStart();
            }
            if (lineNet - 2 < start.net()) {
                return start; // the delimiter follows at once: an empty part
            }
            return new Pos(lineNet - 2, lineFile - previousLineEnd, lineLines - 1);
        }

        /** A part from the current line to the next enclosing delimiter (or the end), with what nests in it. */
        Part part(String defType, String defSub, int depth) throws IOException {
            parts++;
            Pos start = lineStart();
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            Pos bodyStart = header(header);
            byte[] h = header.toByteArray();
            List<Field> fields = fields(h, 0, h.length);
            String[] type = type(fields, defType, defSub);
            Map<String, String> params = params(fields, type);
            List<Part> children = List.of();
            Part message = null;
            if (bodyStart != null && depth < MAX_DEPTH) {
                if (type[0].equals("multipart") && params.get("boundary") != null) {
                    children = multipart(params.get("boundary"), type[1].equals("digest"), depth);
                } else if (type[0].equals("message") && (type[1].equals("rfc822") || type[1].equals("global"))) {
                    message = part("text", "plain", depth + 1);
                }
            }
            while (!atEnd && delimiter() < 0) {
                advance(); // the body, or what a nested part left of it
            }
            Pos end = end(start);
            if (bodyStart == null || bodyStart.net() > end.net()) {
                bodyStart = end; // the header runs to the end
            }
            return typed(start, bodyStart, end, h, type, params, fields, children, message);
        }

        static Part typed(Pos start, Pos bodyStart, Pos end, byte[] h, String[] type,
                Map<String, String> params, List<Field> fields, List<Part> children, Part message) {
            if (type[0].equals("multipart") && children.isEmpty()) {
                // a multipart without parts is served as an empty text part rather than an invalid structure
                children = List.of(new Part(bodyStart, bodyStart, end, new byte[0], List.of(), "text", "plain",
                        Map.of("charset", "us-ascii"), List.of(), null));
            }
            return new Part(start, bodyStart, end, h, fields, type[0], type[1], params, children, message);
        }

        /**
         * The parts of a multipart body, the cursor at its start: its preamble, parts, and epilogue up to an
         * enclosing delimiter or the end. Its delimiters are recognised by prefix, an enclosing multipart's first.
         */
        private List<Part> multipart(String boundary, boolean digest, int depth) throws IOException {
            byte[] delim = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
            List<Part> children = new ArrayList<>();
            delimiters.add(delim);
            int mine = delimiters.size() - 1;
            try {
                boolean closed = false;
                while (!atEnd) {
                    int d = delimiter();
                    if (d >= 0 && d < mine) {
                        break; // an enclosing multipart's delimiter ends this one too
                    }
                    boolean open = d == mine && !closed;
                    boolean close = open && startsWith(CLOSE, delim.length);
                    advance();
                    if (close) {
                        closed = true; // the epilogue follows
                    } else if (open && parts < MAX_PARTS) {
                        children.add(digest ? part("message", "rfc822", depth + 1) : part("text", "plain", depth + 1));
                    }
                }
            } finally {
                delimiters.removeLast();
            }
            return children;
        }
    }

    private static final byte[] CLOSE = {'-', '-'};

    /** The {type, subtype} a header gives (lower case), or the default; text/plain for a malformed one. */
    private static String[] type(List<Field> fields, String defType, String defSub) {
        String ct = contentTypeField(fields);
        if (ct == null) {
            return new String[] {defType, defSub};
        }
        String[] tp = contentType(ct, new LinkedHashMap<>());
        return tp != null ? tp : new String[] {"text", "plain"};
    }

    /** The Content-Type parameters (a text part without the header gets charset us-ascii). */
    private static Map<String, String> params(List<Field> fields, String[] type) {
        Map<String, String> params = new LinkedHashMap<>();
        String ct = contentTypeField(fields);
        if (ct != null && contentType(ct, params) == null) {
            params.clear();
        }
        if (type[0].equals("text") && !params.containsKey("charset") && ct == null) {
            params.put("charset", "us-ascii");
        }
        return params;
    }

    private static String contentTypeField(List<Field> fields) {
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase("Content-Type")) {
                return f.value();
            }
        }
        return null;
    }

    static List<Field> fields(byte[] d, int start, int end) {
        String text = new String(d, start, end - start, StandardCharsets.UTF_8);
        List<Field> out = new ArrayList<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : text.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
                value.append(line);
                continue;
            }
            if (name != null) {
                out.add(new Field(name, value.toString().strip()));
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                name = null;
                continue;
            }
            name = line.substring(0, colon).strip();
            value.setLength(0);
            value.append(line, colon + 1, line.length());
        }
        if (name != null) {
            out.add(new Field(name, value.toString().strip()));
        }
        return out;
    }

    /** Parses "type/subtype; a=b; c="d"" into {type, subtype} (lower case) and params; null if malformed. */
    static String[] contentType(String value, Map<String, String> params) {
        String[] pieces = splitParams(value);
        String ts = pieces[0].strip().toLowerCase(Locale.ROOT);
        int slash = ts.indexOf('/');
        if (slash <= 0 || slash == ts.length() - 1) {
            return null;
        }
        for (int i = 1; i < pieces.length; i++) {
            param(pieces[i], params);
        }
        return new String[] {ts.substring(0, slash).strip(), ts.substring(slash + 1).strip()};
    }

    /** "attachment; filename=x" into its value (lower case) and params. */
    static String disposition(String value, Map<String, String> params) {
        String[] pieces = splitParams(value);
        for (int i = 1; i < pieces.length; i++) {
            param(pieces[i], params);
        }
        return pieces[0].strip().toLowerCase(Locale.ROOT);
    }

    private static void param(String piece, Map<String, String> params) {
        int eq = piece.indexOf('=');
        if (eq <= 0) {
            return;
        }
        String k = piece.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String v = piece.substring(eq + 1).strip();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        params.put(k, v);
    }

    /** Splits at ';' outside quotes. */
    private static String[] splitParams(String v) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' && (i == 0 || v.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (c == ';' && !quoted) {
                out.add(v.substring(start, i));
                start = i + 1;
            }
        }
        out.add(v.substring(start));
        return out.toArray(String[]::new);
    }

    /**
     * The part a section number path names (RFC 3501 6.4.5): numbers index multipart children; a message/rfc822
     * part's numbers apply to the message inside it; part 1 of a non-multipart is its body. Null if none.
     */
    static Part resolve(Part root, int[] path) {
        Part cur = root;
        for (int i = 0; i < path.length; i++) {
            int n = path[i];
            if (i > 0 && cur.message() != null) {
                cur = cur.message();
            }
            if (cur.multipart()) {
                if (n > cur.children().size()) {
                    return null;
                }
                cur = cur.children().get(n - 1);
            } else if (n != 1) {
                return null;
            }
        }
        return cur;
    }
}
