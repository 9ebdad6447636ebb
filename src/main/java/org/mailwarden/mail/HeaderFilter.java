package org.mailwarden.mail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Which header fields to leave out of a delivered copy (an Authentication-Results field that claims our authserv-id,
 * RFC 8601 5), and the one routine that copies a header section without them, for LF (Maildir) and CRLF (network)
 * line ends alike.
 */
@FunctionalInterface
public interface HeaderFilter {

    /** Keeps every field. */
    HeaderFilter NONE = (name, value) -> false;

    /** @param value the field's raw value after the colon, folding and leading space included */
    boolean drop(String name, String value);

    /** How a header section was copied: input octets consumed, octets and lines left out. */
    record Copied(int consumed, int droppedOctets, int droppedLines) {}

    /**
     * Copies the header fields at the start of {@code buf[0..len)} to {@code out}, leaving out those the filter drops,
     * and stops after the empty line that ends the section (copied too). When the section goes past {@code len}, it
     * stops before the field that is cut off: the caller copies the rest as it is (a field is never split).
     */
    static Copied copy(byte[] buf, int len, HeaderFilter filter, ByteArrayOutputStream out) {
        int pos = 0;
        int dropped = 0;
        int droppedLines = 0;
        while (pos < len) {
            int end = lineEnd(buf, pos, len);
            if (end < 0) {
                break; // cut off
            }
            if (end - pos == 1 || end - pos == 2 && buf[pos] == '\r') { // the empty line
                out.write(buf, pos, end - pos);
                pos = end;
                break;
            }
            int fieldEnd = end;
            int lines = 1;
            while (fieldEnd < len && (buf[fieldEnd] == ' ' || buf[fieldEnd] == '\t')) {
                int next = lineEnd(buf, fieldEnd, len);
                if (next < 0) {
                    return new Copied(pos, dropped, droppedLines); // a continuation cut off
                }
                fieldEnd = next;
                lines++;
            }
            if (fieldEnd == len && len == buf.length) {
                break; // the field may go on past the buffer
            }
            String field = new String(buf, pos, fieldEnd - pos, StandardCharsets.UTF_8);
            int colon = field.indexOf(':');
            if (colon > 0 && filter.drop(field.substring(0, colon).strip(), field.substring(colon + 1))) {
                dropped += fieldEnd - pos;
                droppedLines += lines;
            } else {
                out.write(buf, pos, fieldEnd - pos);
            }
            pos = fieldEnd;
        }
        return new Copied(pos, dropped, droppedLines);
    }

    /** The index after the LF ending the line that starts at {@code from}; -1 when it does not end before len. */
    private static int lineEnd(byte[] buf, int from, int len) {
        for (int i = from; i < len; i++) {
            if (buf[i] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }
}
