package org.mailwarden.delivery;

import java.nio.charset.StandardCharsets;

/**
 * A header field a step adds to the delivered copies (RFC 5322 2.2): a name of printable ASCII without ':', and a
 * value that may be folded (CRLF followed by a space or tab) but holds no other line break and no NUL. The pipeline
 * puts the fields right after Return-Path, in the order the steps gave them.
 */
public record HeaderField(String name, String value) {

    public HeaderField {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header field name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c > '~' || c == ':') {
                throw new IllegalArgumentException("bad character in header field name " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean folding = c == '\r' && i + 2 < value.length() && value.charAt(i + 1) == '\n'
                    && (value.charAt(i + 2) == ' ' || value.charAt(i + 2) == '\t');
            if (folding) {
                i++;
            } else if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("line break or NUL in the value of header field " + name);
            }
        }
    }

    /** Network form: {@code Name: value CRLF}. */
    public byte[] bytes() {
        return (name + ": " + value + "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
