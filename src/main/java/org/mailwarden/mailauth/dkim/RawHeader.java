package org.mailwarden.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A message's header section as DKIM hashes it: each field exactly as written ("Name: value", folded lines joined by
 * CRLF, one char per octet), in order. Read bounded by {@link #MAX_OCTETS} and {@link #MAX_FIELDS} (twice
 * delivery.HeaderSection's field bound, so a message carrying 1,000 signatures is still judged signature by signature;
 * HeaderSection unfolds and decodes, so it cannot serve for hashing). The stream is left at the start of the body. A
 * bare LF ends a line like CRLF. Lines that are not fields (no colon) are skipped.
 */
public record RawHeader(List<String> fields, boolean complete) {

    public static final int MAX_OCTETS = 256 * 1024;
    public static final int MAX_FIELDS = 2000;

    public RawHeader {
        fields = List.copyOf(fields);
    }

    /** The lower-case name of a field. */
    public static String name(String field) {
        int colon = field.indexOf(':');
        int end = colon;
        while (end > 0 && Canonicalization.isWsp(field.charAt(end - 1))) {
            end--;
        }
        return field.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** The raw value: everything after the colon. */
    public static String value(String field) {
        return field.substring(field.indexOf(':') + 1);
    }

    /** Field indexes by lower-case name, top to bottom. */
    public Map<String, List<Integer>> index() {
        Map<String, List<Integer>> m = new HashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            m.computeIfAbsent(name(fields.get(i)), k -> new ArrayList<>()).add(i);
        }
        return m;
    }

    /** Reads the header section; {@code in} should be buffered (it is read an octet at a time). */
    public static RawHeader read(InputStream in) throws IOException {
        List<String> fields = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        StringBuilder field = null;
        long read = 0;
        while (true) {
            line.reset();
            int c;
            boolean eol = false;
            while ((c = in.read()) >= 0) {
                if (++read > MAX_OCTETS) {
                    add(field, fields);
                    return new RawHeader(fields, false);
                }
                if (c == '\n') {
                    eol = true;
                    break;
                }
                line.write(c);
            }
            byte[] l = line.toByteArray();
            int len = l.length > 0 && l[l.length - 1] == '\r' && eol ? l.length - 1 : l.length;
            if (len == 0 && (eol || c < 0)) { // the empty line ending the section, or the end of the message
                add(field, fields);
                return new RawHeader(fields, true);
            }
            String s = new String(l, 0, len, StandardCharsets.ISO_8859_1);
            if ((l[0] == ' ' || l[0] == '\t') && field != null) {
                field.append("\r\n").append(s);
            } else {
                add(field, fields);
                if (fields.size() >= MAX_FIELDS) {
                    return new RawHeader(fields, false);
                }
                field = new StringBuilder(s);
            }
            if (!eol) { // the message ended inside the header
                add(field, fields);
                return new RawHeader(fields, true);
            }
        }
    }

    private static void add(StringBuilder field, List<String> fields) {
        if (field != null && field.indexOf(":") > 0) {
            fields.add(field.toString());
        }
        if (field != null) {
            field.setLength(0);
        }
    }
}
