package org.mailwarden.mailauth.dkim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.nio.charset.StandardCharsets;

/**
 * A DKIM-Signature field (RFC 6376 3.5), or an ARC-Message-Signature (RFC 8617 4.1.2, the same but for i= being the
 * instance, no v= and no l=), checked as RFC 6376 6.1.1 says before any key is fetched.
 */
public record DkimSignature(String field, TagList tags, SigningAlgorithm algorithm, Canonicalization headerCanon,
        Canonicalization bodyCanon, String domain, String selector, String identity, List<String> signedHeaders,
        byte[] bodyHash, byte[] signature, long length) {

    public enum Kind { DKIM, AMS }

    /** The signature, or why it is not one (with the tags when they parsed, to name the domain). */
    public sealed interface Parsed {
        record Ok(DkimSignature signature) implements Parsed {}
        record Bad(DkimResult result, String reason, TagList tags) implements Parsed {}
    }

    public static final int MAX_INSTANCE = 50;

    public static Parsed parse(String field, Kind kind, Instant now, Duration skew) {
        String value = RawHeader.value(field);
        TagList t;
        try {
            t = TagList.parse(value);
        } catch (TagList.Malformed e) {
            return new Parsed.Bad(DkimResult.PERMERROR, "malformed signature: " + e.getMessage(), null);
        }
        if (kind == Kind.DKIM && !"1".equals(t.get("v"))) {
            return bad(t, t.has("v") ? "incompatible version v=" + TagList.shorten(t.get("v")) : "no v= tag");
        }
        for (String req : kind == Kind.DKIM ? List.of("a", "b", "bh", "d", "h", "s")
                : List.of("i", "a", "b", "bh", "d", "h", "s")) {
            if (!t.has(req)) {
                return bad(t, "required tag " + req + "= missing");
            }
        }
        String a = t.get("a");
        SigningAlgorithm alg = SigningAlgorithm.of(a);
        if (alg == null) {
            return bad(t, a.equals("rsa-sha1") ? "rsa-sha1 is not accepted (RFC 8301)"
                    : "unknown algorithm a=" + TagList.shorten(a));
        }
        byte[] bh = base64(t.compact("bh"));
        byte[] b = base64(t.compact("b"));
        if (bh == null || bh.length == 0 || b == null || b.length == 0) {
            return bad(t, (bh == null || bh.length == 0 ? "bh=" : "b=") + " is empty or not base64");
        }
        Canonicalization[] c = Canonicalization.parse(t.get("c"));
        if (c == null) {
            return bad(t, "unknown canonicalization c=" + TagList.shorten(t.get("c")));
        }
        String d = t.get("d").toLowerCase(Locale.ROOT);
        if (!isDomain(d)) {
            return bad(t, "d= is not a domain name");
        }
        String s = t.get("s").toLowerCase(Locale.ROOT);
        if (!isDomain(s) || s.length() + d.length() + 12 > 253) {
            return bad(t, "s= is not a selector");
        }
        List<String> h = new ArrayList<>();
        for (String n : t.get("h").split(":", -1)) {
            String name = n.replaceAll("[ \t\r\n]+", "").toLowerCase(Locale.ROOT);
            if (name.isEmpty() || !name.chars().allMatch(ch -> ch > ' ' && ch < 127 && ch != ':')) {
                return bad(t, "h= holds an empty or bad field name");
            }
            h.add(name);
        }
        if (!h.contains("from")) {
            return bad(t, "h= does not include From");
        }
        if (kind == Kind.AMS && h.contains("arc-seal")) {
            return bad(t, "h= includes ARC-Seal");
        }
        String identity = null;
        if (kind == Kind.DKIM) {
            identity = t.has("i") ? t.get("i") : "@" + d;
            int at = identity.lastIndexOf('@');
            String idDomain = at < 0 ? "" : identity.substring(at + 1).toLowerCase(Locale.ROOT);
            if (at < 0 || !(idDomain.equals(d) || idDomain.endsWith("." + d))) {
                return bad(t, "i= is not within d=");
            }
        } else if (instance(t.get("i")) < 1) {
            return bad(t, "i= is not an instance 1.." + MAX_INSTANCE);
        }
        long l = -1;
        if (t.has("l")) {
            if (kind == Kind.AMS) {
                return bad(t, "l= is not allowed in an ARC-Message-Signature");
            }
            l = number(t.get("l"));
            if (l < 0) {
                return bad(t, "l= is not a number");
            }
        }
        if (t.has("q") && !List.of(t.get("q").replaceAll("[ \t\r\n]", "").split(":")).contains("dns/txt")) {
            return bad(t, "unknown query method q=" + TagList.shorten(t.get("q")));
        }
        long ts = t.has("t") ? number(t.get("t")) : -2;
        long xs = t.has("x") ? number(t.get("x")) : -2;
        if (ts == -1 || xs == -1) {
            return bad(t, (ts == -1 ? "t=" : "x=") + " is not a number");
        }
        if (ts >= 0 && xs >= 0 && xs < ts) {
            return bad(t, "x= is before t=");
        }
        long nowS = now.getEpochSecond();
        if (xs >= 0 && xs + skew.toSeconds() < nowS) {
            return bad(t, "signature expired (x=" + xs + ")");
        }
        if (ts >= 0 && ts > nowS + skew.toSeconds()) {
            return bad(t, "signature timestamp t=" + ts + " is in the future");
        }
        return new Parsed.Ok(new DkimSignature(field, t, alg, c[0], c[1], d, s, identity, h, bh, b, l));
    }

    private static Parsed bad(TagList t, String reason) {
        return new Parsed.Bad(DkimResult.PERMERROR, reason, t);
    }

    /** An ARC instance (i=) 1..50, or -1. */
    public static int instance(String v) {
        if (v == null) {
            return -1;
        }
        String s = v.strip();
        if (s.isEmpty() || s.length() > 2 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return -1;
        }
        int i = Integer.parseInt(s);
        return i >= 1 && i <= MAX_INSTANCE ? i : -1;
    }

    /** A decimal number (saturating at Long.MAX_VALUE), or -1 if not one. */
    static long number(String v) {
        String s = v.strip();
        if (s.isEmpty() || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return -1;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static byte[] base64(String v) {
        if (v == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static boolean isDomain(String d) {
        if (d.isEmpty() || d.length() > 253) {
            return false;
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            if (!label.chars().allMatch(ch -> ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-'
                    || ch == '_')) {
                return false;
            }
        }
        return true;
    }

    /** The start of b= (RFC 6008 header.b). */
    public String headerB() {
        String b = tags.compact("b");
        return b.substring(0, Math.min(8, b.length()));
    }

    public BodyHash newBodyHash() {
        return new BodyHash(bodyCanon, length);
    }

    /** The octets the signature covers (RFC 6376 3.7): the fields of h= bottom-up, then this field without b=. */
    public byte[] headerHashInput(RawHeader header, Map<String, List<Integer>> index) {
        return hashInput(header.fields(), index, signedHeaders, headerCanon, withoutB(field, tags));
    }

    /** The signed fields (bottom-up per name; a name listed more often than present adds nothing), then the
     * signature field itself (its b= already emptied), without a final CRLF. */
    public static byte[] hashInput(List<String> fields, Map<String, List<Integer>> index, List<String> names,
            Canonicalization canon, String sigField) {
        StringBuilder sb = new StringBuilder();
        Map<String, Integer> used = new HashMap<>();
        for (String name : names) {
            List<Integer> at = index.get(name);
            int k = used.getOrDefault(name, 0);
            if (at != null && k < at.size()) {
                sb.append(canon.header(fields.get(at.get(at.size() - 1 - k)))).append("\r\n");
            }
            used.put(name, k + 1);
        }
        sb.append(canon.header(sigField));
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The field with the value of its b= tag (and the white space around it) deleted. */
    public static String withoutB(String field, TagList tags) {
        TagList.Tag b = tags.tags().get("b");
        int off = field.indexOf(':') + 1;
        return field.substring(0, off + b.rawStart()) + field.substring(off + b.rawEnd());
    }
}
