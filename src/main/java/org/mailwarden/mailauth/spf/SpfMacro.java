package org.mailwarden.mailauth.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed macro-string of RFC 7208 section 7: literals and macro expansions {@code %{letter digits r delimiters}}.
 * Parsing checks the syntax (a record with a bad macro is a permerror, 4.6); expanding needs the values of the
 * check (the letters' meanings are in 7.2).
 */
record SpfMacro(List<Part> parts, boolean endsWithExpand) {

    /** A piece of a macro-string. */
    sealed interface Part {
        record Literal(String text) implements Part {}

        /** {@code %{...}}: the letter (lower case), URL-encoded when it was upper case, transformers, delimiters. */
        record Expand(char letter, boolean urlEncode, int digits, boolean reverse, String delimiters)
                implements Part {}
    }

    /** The values macros expand to; {@code p} is looked up only when asked for (it costs DNS queries). */
    interface Values {
        String value(char letter) throws SpfException;
    }

    private static final String LETTERS = "slodiphcrtv";
    private static final String EXP_ONLY = "crt";
    private static final String DELIMITERS = ".-+,/_=";

    /** Parses a macro-string; {@code explanation} allows the letters c, r and t (7.2: exp= text only). */
    static SpfMacro parse(String s, boolean explanation) throws SpfException {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        boolean lastExpand = false;
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch != '%') {
                if (ch < 0x21 || ch > 0x7e) {
                    if (!(explanation && ch == ' ')) {
                        throw SpfException.perm("invalid character 0x" + Integer.toHexString(ch) + " in '" + s + "'");
                    }
                }
                lit.append(ch);
                lastExpand = false;
                i++;
                continue;
            }
            if (i + 1 >= s.length()) {
                throw SpfException.perm("'%' at the end of '" + s + "'");
            }
            char next = s.charAt(i + 1);
            switch (next) {
                case '%' -> lit.append('%');
                case '_' -> lit.append(' ');
                case '-' -> lit.append("%20");
                case '{' -> {
                    int end = s.indexOf('}', i + 2);
                    if (end < 0) {
                        throw SpfException.perm("unterminated macro in '" + s + "'");
                    }
                    if (!lit.isEmpty()) {
                        parts.add(new Part.Literal(lit.toString()));
                        lit.setLength(0);
                    }
                    parts.add(expand(s.substring(i + 2, end), explanation, s));
                    i = end + 1;
                    lastExpand = true;
                    continue;
                }
                default -> throw SpfException.perm("invalid macro '%" + next + "' in '" + s + "'");
            }
            lastExpand = true;
            i += 2;
        }
        if (!lit.isEmpty()) {
            parts.add(new Part.Literal(lit.toString()));
        }
        return new SpfMacro(List.copyOf(parts), lastExpand);
    }

    private static Part expand(String body, boolean explanation, String whole) throws SpfException {
        if (body.isEmpty()) {
            throw SpfException.perm("empty macro in '" + whole + "'");
        }
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        if (LETTERS.indexOf(lower) < 0 || letter > 0x7f) {
            throw SpfException.perm("unknown macro letter '" + letter + "' in '" + whole + "'");
        }
        if (!explanation && EXP_ONLY.indexOf(lower) >= 0) {
            throw SpfException.perm("macro letter '" + letter + "' is only allowed in exp= text, in '" + whole + "'");
        }
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') {
            i++;
        }
        int digits = 0;
        if (i > digitsStart) {
            String d = body.substring(digitsStart, i);
            if (d.length() > 3 || Integer.parseInt(d) == 0) {
                throw SpfException.perm("invalid macro transformer '" + d + "' in '" + whole + "' (1 to 128)");
            }
            digits = Math.min(Integer.parseInt(d), 128);
        }
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delims = body.substring(i);
        for (int k = 0; k < delims.length(); k++) {
            if (DELIMITERS.indexOf(delims.charAt(k)) < 0) {
                throw SpfException.perm("invalid macro delimiter '" + delims.charAt(k) + "' in '" + whole + "'");
            }
        }
        return new Part.Expand(lower, Character.isUpperCase(letter), digits, reverse,
                delims.isEmpty() ? "." : delims);
    }

    /** Checks the domain-end of a domain-spec (RFC 7208 7.1: a macro, or "." and a top label). */
    void requireDomainEnd(String raw) throws SpfException {
        if (endsWithExpand) {
            return;
        }
        String t = raw.endsWith(".") ? raw.substring(0, raw.length() - 1) : raw;
        int dot = t.lastIndexOf('.');
        if (dot < 0 || !topLabel(t.substring(dot + 1))) {
            throw SpfException.perm("invalid domain '" + raw + "' (it must end in a top-level label)");
        }
    }

    static boolean topLabel(String l) {
        if (l.isEmpty() || !l.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '-'))) {
            return false;
        }
        if (l.indexOf('-') < 0) {
            return l.chars().anyMatch(Character::isLetter);
        }
        return l.charAt(0) != '-' && l.charAt(l.length() - 1) != '-';
    }

    /** Expands the string with the check's values (RFC 7208 7.3 and 7.4). */
    String expand(Values values) throws SpfException {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Part.Literal l -> out.append(l.text());
                case Part.Expand e -> out.append(expandOne(e, values.value(e.letter())));
            }
        }
        return out.toString();
    }

    private static String expandOne(Part.Expand e, String value) {
        List<String> split = new ArrayList<>();
        int start = 0;
        for (int k = 0; k < value.length(); k++) {
            if (e.delimiters().indexOf(value.charAt(k)) >= 0) {
                split.add(value.substring(start, k));
                start = k + 1;
            }
        }
        split.add(value.substring(start));
        if (e.reverse()) {
            java.util.Collections.reverse(split);
        }
        if (e.digits() > 0 && e.digits() < split.size()) {
            split = split.subList(split.size() - e.digits(), split.size());
        }
        String joined = String.join(".", split);
        return e.urlEncode() ? urlEncode(joined) : joined;
    }

    /** Percent-encodes all but the unreserved characters of RFC 3986 (7.3: upper-case macro letters). */
    private static String urlEncode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }
}
