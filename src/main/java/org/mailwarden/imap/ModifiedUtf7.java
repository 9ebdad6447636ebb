package org.mailwarden.imap;

/**
 * Mailbox names in modified UTF-7 (RFC 3501 5.1.3): printable US-ASCII stands for itself ("&amp;" as "&amp;-"),
 * anything else is "&amp;" modified BASE64 of UTF-16 "-". Only the one canonical spelling of a name is valid, so that
 * a name cannot hide a character (a NUL, a "/", a "..") that its plain form would not be allowed to have.
 */
final class ModifiedUtf7 {

    private static final String BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    private ModifiedUtf7() {}

    /** The name decoded; IllegalArgumentException (its message for the client) if it is not canonical mUTF-7. */
    static String decode(String name) {
        StringBuilder out = new StringBuilder(name.length());
        int lastRunEnd = -2;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw invalid("8-bit or control characters must be encoded");
            }
            if (c != '&') {
                out.append(c);
                continue;
            }
            int end = name.indexOf('-', i + 1);
            if (end < 0) {
                throw invalid("'&' without its '-'");
            }
            if (end == i + 1) {
                out.append('&');
            } else {
                if (lastRunEnd == i - 1) {
                    throw invalid("two encoded runs in a row");
                }
                run(name, i + 1, end, out);
                lastRunEnd = end;
            }
            i = end;
        }
        return out.toString();
    }

    /** Decodes the modified BASE64 of name[from, to) into UTF-16 characters that needed encoding. */
    private static void run(String name, int from, int to, StringBuilder out) {
        int bits = 0;
        int nbits = 0;
        char high = 0;
        for (int i = from; i < to; i++) {
            int v = BASE64.indexOf(name.charAt(i));
            if (v < 0) {
                throw invalid("'" + name.charAt(i) + "' is not modified BASE64");
            }
            bits = bits << 6 | v;
            nbits += 6;
            if (nbits >= 16) {
                nbits -= 16;
                char u = (char) (bits >>> nbits);
                bits &= (1 << nbits) - 1;
                if (Character.isHighSurrogate(u)) {
                    if (high != 0) {
                        throw invalid("an unpaired surrogate");
                    }
                    high = u;
                    continue;
                }
                if (Character.isLowSurrogate(u) != (high != 0)) {
                    throw invalid("an unpaired surrogate");
                }
                if (high == 0 && (u >= 0x20 && u <= 0x7e)) {
                    throw invalid("printable US-ASCII must not be encoded");
                }
                if (high == 0 && (u < 0x20 || u >= 0x7f && u <= 0x9f)) {
                    throw invalid("control characters are not allowed");
                }
                if (high != 0) {
                    out.append(high);
                    high = 0;
                }
                out.append(u);
            }
        }
        if (high != 0) {
            throw invalid("an unpaired surrogate");
        }
        if (nbits >= 6 || bits != 0) { // BASE64 of whole characters leaves fewer than 6 bits, all zero
            throw invalid("bits left over after the last character");
        }
    }

    private static IllegalArgumentException invalid(String why) {
        return new IllegalArgumentException("[CANNOT] Mailbox name is not valid modified UTF-7 (RFC 3501 5.1.3): "
                + why);
    }
}
