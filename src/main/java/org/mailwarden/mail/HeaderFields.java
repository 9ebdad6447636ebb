package org.mailwarden.mail;

import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reader of header sections (RFC 5322 2.2), for every user: SEARCH, the store's columns, the submission
 * checks, DKIM. Field values come unfolded and stripped as SEARCH compares them (RFC 3501 6.4.4), encoded-words
 * decoded on request; addresses in them are parsed by {@link AddressList}.
 */
public final class HeaderFields {

    private HeaderFields() {}

    /** A header value with its MIME encoded-words decoded (RFC 2047); as it is when they do not decode. */
    public static String decode(String value) {
        try {
            return MimeUtility.decodeText(value);
        } catch (IOException | RuntimeException e) {
            return value;
        }
    }

    /**
     * The values of the header fields named {@code field} (case-insensitive), in order, unfolded and stripped
     * exactly as {@code MimeTree.fields} gives them, without building the others.
     */
    public static List<String> values(String header, String field) {
        List<String> out = new ArrayList<>(1);
        int n = header.length();
        int pos = 0;
        boolean named = false;   // the current line belongs to a field (continuation lines are appended)
        StringBuilder value = null; // non-null while in a field with the wanted name
        while (pos < n) {
            int nl = header.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            int lineEnd = end > pos && header.charAt(end - 1) == '\r' ? end - 1 : end;
            if (lineEnd > pos) {
                char c0 = header.charAt(pos);
                if ((c0 == ' ' || c0 == '\t') && named) {
                    if (value != null) {
                        value.append(header, pos, lineEnd);
                    }
                } else {
                    if (value != null) {
                        out.add(value.toString().strip());
                        value = null;
                    }
                    int colon = header.indexOf(':', pos);
                    if (colon <= pos || colon >= lineEnd) {
                        named = false;
                    } else {
                        named = true;
                        int a = pos;
                        int b = colon;
                        while (a < b && Character.isWhitespace(header.charAt(a))) {
                            a++;
                        }
                        while (b > a && Character.isWhitespace(header.charAt(b - 1))) {
                            b--;
                        }
                        if (b - a == field.length() && header.regionMatches(true, a, field, 0, b - a)) {
                            value = new StringBuilder().append(header, colon + 1, lineEnd);
                        }
                    }
                }
            }
            pos = end + 1;
        }
        if (value != null) {
            out.add(value.toString().strip());
        }
        return out;
    }
}
