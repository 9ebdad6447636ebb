package org.mailwarden.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Builds one response line with IMAP strings: quoted when safe, a literal otherwise (RFC 3501 4.3). */
final class ImapWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    ImapWriter raw(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    ImapWriter raw(char c) {
        out.write(c);
        return this;
    }

    ImapWriter number(long n) {
        return raw(Long.toString(n));
    }

    /** A string: quoted if it has only 7-bit text without CR/LF, else a literal. */
    ImapWriter string(String s) {
        if (s == null) {
            return raw("NIL");
        }
        boolean quotable = s.length() < 1024;
        for (int i = 0; i < s.length() && quotable; i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c >= 0x80) {
                quotable = false;
            }
        }
        if (!quotable) {
            return literal(s.getBytes(StandardCharsets.UTF_8));
        }
        out.write('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.write('\\');
            }
            out.write(c);
        }
        out.write('"');
        return this;
    }

    ImapWriter nstring(String s) {
        return string(s);
    }

    ImapWriter literal(byte[] b) {
        return literal(b, 0, b.length);
    }

    ImapWriter literal(byte[] b, int off, int len) {
        raw("{" + len + "}\r\n");
        out.write(b, off, len);
        return this;
    }

    /** A mailbox name: quoted always (names may contain spaces and wildcards). */
    ImapWriter mailbox(String name) {
        return string(name);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Writes what was built so far to {@code to} and starts again empty. */
    void drainTo(OutputStream to) throws IOException {
        out.writeTo(to);
        out.reset();
    }

    int size() {
        return out.size();
    }
}
