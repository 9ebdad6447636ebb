package org.mailwarden.mailauth.dkim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DKIM tag list (RFC 6376 3.2), as DKIM-Signature, key records, ARC-Seal and ARC-Message-Signature use it, parsed
 * strictly: tag names are ALPHA *(ALPHA / DIGIT / "_") and case-sensitive, a tag may appear once, values hold only
 * VALCHAR (and octets above 0x7F, RFC 8616) with folding white space inside, an empty tag-spec is allowed only
 * after the last semicolon. Each tag keeps where its value is in the text, so b= can be emptied for hashing.
 */
public record TagList(Map<String, Tag> tags, List<String> order) {

    /**
     * One tag: its value with the surrounding white space removed, and the span of the whole raw value (from the
     * '=' to the ';' or the end, white space included) in the parsed text.
     */
    public record Tag(String name, String value, int rawStart, int rawEnd) {}

    /** Why a tag list is not one. */
    public static final class Malformed extends Exception {
        public Malformed(String message) {
            super(message, null, false, false);
        }
    }

    public TagList {
        tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        order = List.copyOf(order);
    }

    public String get(String name) {
        Tag t = tags.get(name);
        return t == null ? null : t.value();
    }

    public boolean has(String name) {
        return tags.containsKey(name);
    }

    /** The value with all white space (folding included) removed, as for b=, bh= and p=; null when absent. */
    public String compact(String name) {
        String v = get(name);
        return v == null ? null : v.replaceAll("[ \t\r\n]+", "");
    }

    public static TagList parse(String text) throws Malformed {
        Map<String, Tag> tags = new LinkedHashMap<>();
        List<String> order = new java.util.ArrayList<>();
        int pos = 0;
        int n = text.length();
        while (pos <= n) {
            int semi = text.indexOf(';', pos);
            int end = semi < 0 ? n : semi;
            int a = skipWs(text, pos, end);
            if (a == end) {
                if (semi < 0) {
                    break; // empty after the last ';' (or an empty list)
                }
                throw new Malformed("empty tag-spec");
            }
            int eq = text.indexOf('=', a);
            if (eq < 0 || eq >= end) {
                throw new Malformed("tag-spec without '=': " + shorten(text.substring(a, end)));
            }
            int nameEnd = eq;
            while (nameEnd > a && isWs(text.charAt(nameEnd - 1))) {
                nameEnd--;
            }
            String name = text.substring(a, nameEnd);
            if (!validName(name)) {
                throw new Malformed("bad tag name " + shorten(name));
            }
            int vs = skipWs(text, eq + 1, end);
            int ve = end;
            while (ve > vs && isWs(text.charAt(ve - 1))) {
                ve--;
            }
            for (int i = vs; i < ve; i++) {
                char c = text.charAt(i);
                if (c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f) {
                    throw new Malformed("control character in the value of " + name + "=");
                }
            }
            if (tags.put(name, new Tag(name, text.substring(vs, ve), eq + 1, end)) != null) {
                throw new Malformed("duplicate tag " + name + "=");
            }
            order.add(name);
            if (semi < 0) {
                break;
            }
            pos = semi + 1;
        }
        return new TagList(tags, order);
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || !isAlpha(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    static boolean isWs(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static int skipWs(String s, int from, int end) {
        while (from < end && isWs(s.charAt(from))) {
            from++;
        }
        return from;
    }

    public static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
