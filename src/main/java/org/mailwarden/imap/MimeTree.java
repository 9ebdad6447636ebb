package org.mailwarden.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MIME structure of a message in network form (CRLF), as byte ranges into it: what BODYSTRUCTURE and
 * BODY[section] need (RFC 3501 6.4.5, 7.4.2), with exact octet counts. Lenient: a missing boundary, header or
 * blank line never fails, it just yields a simpler structure.
 */
final class MimeTree {

    /** One header field: name as written, value unfolded. */
    record Field(String name, String value) {}

    /**
     * A body part (or the whole message).
     *
     * @param headerStart where its header starts
     * @param bodyStart   where its body starts (after the blank line)
     * @param end         where it ends
     * @param message     for message/rfc822: the encapsulated message, else null
     */
    record Part(byte[] data, int headerStart, int bodyStart, int end, List<Field> fields, String type,
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

        int bodySize() {
            return end - bodyStart;
        }

        int bodyLines() {
            int n = 0;
            for (int i = bodyStart; i < end; i++) {
                if (data[i] == '\n') {
                    n++;
                }
            }
            return n;
        }
    }

    private MimeTree() {}

    static Part parse(byte[] data) {
        return parse(data, 0, data.length, "text", "plain", 0);
    }

    private static Part parse(byte[] d, int start, int end, String defType, String defSub, int depth) {
        int bodyStart = headerEnd(d, start, end);
        List<Field> fields = fields(d, start, bodyStart);
        String type = defType;
        String subtype = defSub;
        Map<String, String> params = new LinkedHashMap<>();
        String ct = null;
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase("Content-Type")) {
                ct = f.value();
                break;
            }
        }
        if (ct != null) {
            String[] tp = contentType(ct, params);
            if (tp != null) {
                type = tp[0];
                subtype = tp[1];
            } else {
                params.clear();
                type = "text";
                subtype = "plain";
            }
        }
        if (type.equals("text") && !params.containsKey("charset") && ct == null) {
            params.put("charset", "us-ascii");
        }
        List<Part> children = List.of();
        Part message = null;
        if (depth < 50) {
            if (type.equals("multipart") && params.get("boundary") != null) {
                children = multipart(d, bodyStart, end, params.get("boundary"), subtype.equals("digest"), depth);
            } else if (type.equals("message") && (subtype.equals("rfc822") || subtype.equals("global"))) {
                message = parse(d, bodyStart, end, "text", "plain", depth + 1);
            }
        }
        if (type.equals("multipart") && children.isEmpty()) {
            // a multipart without parts is served as an empty text part rather than an invalid structure
            children = List.of(new Part(d, bodyStart, bodyStart, end, List.of(), "text", "plain",
                    Map.of("charset", "us-ascii"), List.of(), null));
        }
        return new Part(d, start, bodyStart, end, fields, type, subtype, params, children, message);
    }

    /** The offset just after the header's blank line (or {@code end} when there is none). */
    private static int headerEnd(byte[] d, int start, int end) {
        if (start + 1 < end && d[start] == '\r' && d[start + 1] == '\n') {
            return start + 2;
        }
        for (int i = start; i + 3 < end; i++) {
            if (d[i] == '\r' && d[i + 1] == '\n' && d[i + 2] == '\r' && d[i + 3] == '\n') {
                return i + 4;
            }
        }
        return end;
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

    private static List<Part> multipart(byte[] d, int start, int end, String boundary, boolean digest, int depth) {
        byte[] delim = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
        List<int[]> ranges = new ArrayList<>();
        int partStart = -1;
        int i = start;
        while (i < end) {
            int lineEnd = i;
            while (lineEnd < end && d[lineEnd] != '\n') {
                lineEnd++;
            }
            if (startsWith(d, i, lineEnd, delim)) {
                int after = i + delim.length;
                boolean close = after + 1 < end && d[after] == '-' && d[after + 1] == '-';
                if (partStart >= 0) {
                    // the CRLF before the delimiter belongs to the delimiter (RFC 2046 5.1.1)
                    int partEnd = i;
                    if (partEnd - 2 >= partStart && d[partEnd - 2] == '\r' && d[partEnd - 1] == '\n') {
                        partEnd -= 2;
                    } else if (partEnd - 1 >= partStart && d[partEnd - 1] == '\n') {
                        partEnd -= 1;
                    }
                    ranges.add(new int[] {partStart, Math.max(partStart, partEnd)});
                }
                if (close) {
                    partStart = -1;
                    break;
                }
                partStart = Math.min(lineEnd + 1, end);
            }
            i = lineEnd + 1;
        }
        if (partStart >= 0 && partStart < end) {
            ranges.add(new int[] {partStart, end}); // no closing delimiter: the last part runs to the end
        }
        List<Part> parts = new ArrayList<>();
        for (int[] r : ranges) {
            parts.add(digest ? parse(d, r[0], r[1], "message", "rfc822", depth + 1)
                    : parse(d, r[0], r[1], "text", "plain", depth + 1));
        }
        return parts;
    }

    private static boolean startsWith(byte[] d, int from, int lineEnd, byte[] prefix) {
        if (lineEnd - from < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (d[from + k] != prefix[k]) {
                return false;
            }
        }
        return true;
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
