package org.mailwarden.mailauth.dkim;

import java.util.Locale;

/** DKIM canonicalization (RFC 6376 3.4), for header fields and (through {@link BodyHash}) the body. */
public enum Canonicalization {
    SIMPLE, RELAXED;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The c= value ("header/body", the body defaulting to simple, the whole tag to simple/simple); null if bad. */
    public static Canonicalization[] parse(String c) {
        if (c == null) {
            return new Canonicalization[] {SIMPLE, SIMPLE};
        }
        int slash = c.indexOf('/');
        Canonicalization h = of(slash < 0 ? c : c.substring(0, slash));
        Canonicalization b = slash < 0 ? SIMPLE : of(c.substring(slash + 1));
        return h == null || b == null ? null : new Canonicalization[] {h, b};
    }

    private static Canonicalization of(String s) {
        return switch (s) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    /**
     * A header field as it is hashed, without the final CRLF. {@code field} is the field as it appears in the
     * message ("Name: value", folded lines joined by CRLF, no final CRLF), one char per octet (ISO-8859-1).
     */
    public String header(String field) {
        return switch (this) {
            case SIMPLE -> field;
            case RELAXED -> relaxed(field);
        };
    }

    private static String relaxed(String field) {
        int colon = field.indexOf(':');
        StringBuilder sb = new StringBuilder(field.length());
        int nameEnd = colon;
        while (nameEnd > 0 && isWsp(field.charAt(nameEnd - 1))) {
            nameEnd--;
        }
        for (int i = 0; i < nameEnd; i++) {
            char c = field.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        sb.append(':');
        boolean wsp = false;
        boolean any = false;
        for (int i = colon + 1; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\r' && i + 1 < field.length() && field.charAt(i + 1) == '\n') {
                i++; // unfold
                continue;
            }
            if (isWsp(c)) {
                wsp = true;
                continue;
            }
            if (wsp && any) {
                sb.append(' ');
            }
            wsp = false;
            any = true;
            sb.append(c);
        }
        return sb.toString();
    }

    static boolean isWsp(char c) {
        return c == ' ' || c == '\t';
    }
}
