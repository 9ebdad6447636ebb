package org.mailwarden.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A message's header section (RFC 5322 2.2), parsed for steps: each field's name and its value unfolded (the CRLF of
 * a folded line removed, the white space kept) and without the space after the colon. Bounded: at most
 * {@link #MAX_OCTETS} octets and {@link #MAX_FIELDS} fields are read; {@code complete} is false when the section
 * went on beyond that (or had no empty line before the end of the message, which is then all header).
 */
public record HeaderSection(List<Field> fields, boolean complete) {

    public static final int MAX_OCTETS = 256 * 1024;
    public static final int MAX_FIELDS = 1000;

    /** One field; the value is decoded as UTF-8 (RFC 6532), an invalid octet becoming U+FFFD. */
    public record Field(String name, String value) {}

    public HeaderSection {
        fields = List.copyOf(fields);
    }

    /** The values of every field of this name (case-insensitive), in order. */
    public List<String> values(String name) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                out.add(f.value());
            }
        }
        return out;
    }

    public Optional<String> first(String name) {
        return fields.stream().filter(f -> f.name().equalsIgnoreCase(name)).map(Field::value).findFirst();
    }

    /** Reads the header section from a message in network form (the stream is read no further than the bound). */
    public static HeaderSection parse(InputStream message) throws IOException {
        List<Field> fields = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream(256);
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        long read = 0;
        int c;
        while (true) {
            line.reset();
            boolean eof = true;
            while ((c = message.read()) >= 0) {
                eof = false;
                if (++read > MAX_OCTETS) {
                    add(field, fields);
                    return new HeaderSection(fields, false);
                }
                if (c == '\n') {
                    break;
                }
                line.write(c);
            }
            byte[] l = line.toByteArray();
            int len = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
            if (eof || len == 0) { // the end of the message, or the empty line that ends the section
                add(field, fields);
                return new HeaderSection(fields, !eof && c == '\n');
            }
            if (l[0] == ' ' || l[0] == '\t') { // a continuation line: unfold
                field.write(l, 0, len);
                continue;
            }
            add(field, fields);
            if (fields.size() >= MAX_FIELDS) {
                return new HeaderSection(fields, false);
            }
            field.write(l, 0, len);
        }
    }

    private static void add(ByteArrayOutputStream raw, List<Field> fields) {
        if (raw.size() == 0) {
            return;
        }
        String s = raw.toString(StandardCharsets.UTF_8);
        raw.reset();
        int colon = s.indexOf(':');
        if (colon <= 0) {
            return; // not a field (RFC 5322 has none without a name); kept out
        }
        String name = s.substring(0, colon).strip();
        String value = s.substring(colon + 1);
        fields.add(new Field(name, value.startsWith(" ") ? value.substring(1) : value));
    }

    @Override
    public String toString() {
        return "HeaderSection[" + fields.size() + " fields" + (complete ? "" : ", truncated") + "]";
    }
}
