package org.mailwarden.srs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Sender Rewriting Scheme in the address format of postsrsd 1.x (libsrs2's "guarded" scheme), so addresses an
 * existing docker-mailserver handed out still reverse here, and ours reverse there:
 * <ul>
 * <li>{@code SRS0=HHHH=TT=orig-domain=orig-local@srs-domain}: TT is the day of the rewrite, two characters of the
 *     base32 alphabet {@code A-Z2-7} for the days since 1970 modulo 1024; HHHH the first four characters of the
 *     standard base64 of HMAC-SHA1(secret, TT + orig-domain + orig-local), over the lower-cased text.</li>
 * <li>A sender that is itself an SRS0 address of another forwarder ({@code SRS0=...@fwd}) becomes
 *     {@code SRS1=HHHH=fwd==rest@srs-domain} (rest: what followed "SRS0", its separator first), hashed over fwd + rest
 *     and without a timestamp; an SRS1 sender keeps its first forwarder and rest under a new hash.</li>
 * <li>Reversing checks the hash against every secret (the first one signs, all verify), case-insensitively, and for
 *     SRS0 that the timestamp is at most {@value #MAX_AGE_DAYS} days old; SRS1 reverses to the SRS0 address at the
 *     first forwarder.</li>
 * </ul>
 * The separator after SRS0/SRS1 may be any of {@code = - +} when reversing; {@code =} is written, postsrsd's default.
 */
public final class SrsCodec {

    /** postsrsd's default: a bounce to an address older than this is refused. */
    public static final int MAX_AGE_DAYS = 21;
    static final int HASH_LENGTH = 4;
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int TIME_SLOTS = 1024;
    private static final String SEPARATORS = "=-+";

    /** What reversing a recipient address gave. */
    public sealed interface Reversal {
        /** The address the SRS address stands for (for SRS1: the SRS0 address at the first forwarder). */
        record Reversed(String address) implements Reversal {}

        /** Not an SRS address: resolve it as it is. */
        record NotSrs() implements Reversal {}

        /** An SRS address that does not check out: a forged hash, an expired timestamp, a broken form. */
        record Invalid(String reason) implements Reversal {}
    }

    private final List<byte[]> secrets;

    /** {@code secrets}: the first signs, every one verifies (rotation). At least one, none empty. */
    public SrsCodec(List<String> secrets) {
        if (secrets.isEmpty() || secrets.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("SRS needs at least one non-empty secret");
        }
        this.secrets = secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Whether {@code local} starts as an SRS local part does: SRS0 or SRS1 and a separator, any case. */
    public static boolean looksSrs(String local) {
        return local.length() > 4 && local.regionMatches(true, 0, "SRS", 0, 3)
                && (local.charAt(3) == '0' || local.charAt(3) == '1') && SEPARATORS.indexOf(local.charAt(4)) >= 0;
    }

    /** The SRS form of {@code sender} (local@domain) for mail that leaves from {@code srsDomain} at {@code now}. */
    public String forward(String sender, String srsDomain, Instant now) {
        int at = sender.lastIndexOf('@');
        if (at <= 0) {
            throw new IllegalArgumentException("no @ in sender " + sender);
        }
        String local = sender.substring(0, at);
        String domain = sender.substring(at + 1);
        if (looksSrs(local) && local.charAt(3) == '1') {
            String[] f = local.substring(5).split("=", 3); // old hash, first forwarder, rest
            if (f.length == 3 && !f[1].isEmpty() && !f[2].isEmpty()) {
                return "SRS1=" + hash(0, f[1], f[2]) + "=" + f[1] + "=" + f[2] + "@" + srsDomain;
            }
        } else if (looksSrs(local)) {
            String rest = local.substring(4);
            return "SRS1=" + hash(0, domain, rest) + "=" + domain + "=" + rest + "@" + srsDomain;
        }
        String stamp = stamp(now);
        return "SRS0=" + hash(0, stamp, domain, local) + "=" + stamp + "=" + domain + "=" + local + "@" + srsDomain;
    }

    /** Reverses an SRS recipient (its domain is not looked at: the caller checked it is ours). */
    public Reversal reverse(String address, Instant now) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        if (!looksSrs(local)) {
            return new Reversal.NotSrs();
        }
        if (local.charAt(3) == '1') {
            String[] f = local.substring(5).split("=", 3);
            if (f.length < 3 || f[0].isEmpty() || f[1].isEmpty() || f[2].isEmpty()) {
                return new Reversal.Invalid("malformed SRS1 address");
            }
            return verified(f[0], f[1], f[2]) ? new Reversal.Reversed("SRS0" + f[2] + "@" + f[1])
                    : new Reversal.Invalid("hash invalid");
        }
        String[] f = local.substring(5).split("=", 4); // hash, stamp, domain, local
        if (f.length < 4 || f[0].isEmpty() || f[1].isEmpty() || f[2].isEmpty() || f[3].isEmpty()) {
            return new Reversal.Invalid("malformed SRS0 address");
        }
        String why = checkStamp(f[1], now);
        if (why != null) {
            return new Reversal.Invalid(why);
        }
        return verified(f[0], f[1], f[2], f[3]) ? new Reversal.Reversed(f[3] + "@" + f[2])
                : new Reversal.Invalid("hash invalid");
    }

    /** Two base32 characters: the day number modulo 1024. */
    static String stamp(Instant now) {
        long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
        return "" + BASE32.charAt((int) (day >> 5) & 31) + BASE32.charAt((int) day & 31);
    }

    /** Null when the stamp is within {@link #MAX_AGE_DAYS} days (the 1024-day cycle considered), else why not. */
    static String checkStamp(String stamp, Instant now) {
        if (stamp.length() != 2) {
            return "malformed timestamp";
        }
        int then = 0;
        for (char c : stamp.toUpperCase(Locale.ROOT).toCharArray()) {
            int v = BASE32.indexOf(c);
            if (v < 0) {
                return "malformed timestamp";
            }
            then = then << 5 | v;
        }
        long today = Math.floorMod(Math.floorDiv(now.getEpochSecond(), 86_400L), TIME_SLOTS);
        long age = Math.floorMod(today - then, TIME_SLOTS);
        return age <= MAX_AGE_DAYS ? null : "timestamp expired";
    }

    private boolean verified(String given, String... parts) {
        if (given.length() < HASH_LENGTH) {
            return false;
        }
        for (int i = 0; i < secrets.size(); i++) {
            if (given.equalsIgnoreCase(hash(i, parts))) {
                return true;
            }
        }
        return false;
    }

    /** The first {@link #HASH_LENGTH} base64 characters of HMAC-SHA1 over the parts, lower-cased (ASCII). */
    private String hash(int secret, String... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secrets.get(secret), "HmacSHA1"));
            for (String p : parts) {
                mac.update(asciiLower(p).getBytes(StandardCharsets.UTF_8));
            }
            return Base64.getEncoder().encodeToString(mac.doFinal()).substring(0, HASH_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }

    /** C's tolower in the C locale: A-Z only, as libsrs2 lower-cases. */
    private static String asciiLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return b.toString();
    }
}
