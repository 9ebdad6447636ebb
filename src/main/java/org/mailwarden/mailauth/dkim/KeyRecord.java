package org.mailwarden.mailauth.dkim;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A DKIM key record (RFC 6376 3.6.1; RFC 8463 for k=ed25519), parsed strictly: v=DKIM1 if present and first, k= rsa
 * (the default) or ed25519, h= the acceptable hashes, s= the service types (email or *), t= flags (y testing, s
 * strict), p= the key (empty: revoked). RSA keys of fewer than {@link #MIN_RSA_BITS} bits are refused (RFC 8301 3.2),
 * as are keys above {@link #MAX_RSA_BITS} (verifying costs the receiver).
 */
public record KeyRecord(SigningAlgorithm algorithm, PublicKey key, List<String> hashes, boolean testing,
        boolean strict) {

    public static final int MIN_RSA_BITS = 1024;
    public static final int MAX_RSA_BITS = 8192;

    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
        0x21, 0x00};

    public KeyRecord {
        hashes = List.copyOf(hashes);
    }

    /** What a TXT record says. */
    public sealed interface Parsed {
        record Key(KeyRecord key) implements Parsed {}
        /** p= is empty (RFC 6376 3.6.1). */
        record Revoked() implements Parsed {}
        record Bad(String reason) implements Parsed {}
    }

    /** Why this key cannot verify a signature made with {@code alg}, or null when it can. */
    public String unfitFor(SigningAlgorithm alg) {
        if (alg != algorithm) {
            return "key type k=" + algorithm.keyType() + " does not match a=" + alg.tag();
        }
        if (!hashes.isEmpty() && !hashes.contains("sha256")) {
            return "key h=" + String.join(":", hashes) + " does not allow sha256";
        }
        return null;
    }

    public static Parsed parse(String txt) {
        TagList tags;
        try {
            tags = TagList.parse(txt);
        } catch (TagList.Malformed e) {
            return new Parsed.Bad("malformed key record: " + e.getMessage());
        }
        if (tags.has("v") && (!"DKIM1".equals(tags.get("v")) || !tags.order().getFirst().equals("v"))) {
            return new Parsed.Bad("key record v= must be DKIM1 and come first");
        }
        String k = tags.has("k") ? tags.get("k") : "rsa";
        SigningAlgorithm alg = switch (k) {
            case "rsa" -> SigningAlgorithm.RSA_SHA256;
            case "ed25519" -> SigningAlgorithm.ED25519_SHA256;
            default -> null;
        };
        if (alg == null) {
            return new Parsed.Bad("unknown key type k=" + TagList.shorten(k));
        }
        if (tags.has("s") && !list(tags.get("s")).contains("email") && !list(tags.get("s")).contains("*")) {
            return new Parsed.Bad("key service type s=" + TagList.shorten(tags.get("s")) + " excludes email");
        }
        List<String> flags = tags.has("t") ? list(tags.get("t")) : List.of();
        List<String> hashes = tags.has("h") ? list(tags.get("h")) : List.of();
        String p = tags.compact("p");
        if (p == null) {
            return new Parsed.Bad("key record without p=");
        }
        if (p.isEmpty()) {
            return new Parsed.Revoked();
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(p);
        } catch (IllegalArgumentException e) {
            return new Parsed.Bad("key p= is not base64");
        }
        try {
            PublicKey key = switch (alg) {
                case RSA_SHA256 -> rsa(der);
                case ED25519_SHA256 -> ed25519(der);
            };
            if (key == null) {
                return new Parsed.Bad("key p= is not a " + alg.keyType() + " public key");
            }
            if (key instanceof RSAPublicKey r) {
                int bits = r.getModulus().bitLength();
                if (bits < MIN_RSA_BITS) {
                    return new Parsed.Bad("RSA key of " + bits + " bits, fewer than " + MIN_RSA_BITS
                            + " (RFC 8301)");
                }
                if (bits > MAX_RSA_BITS) {
                    return new Parsed.Bad("RSA key of " + bits + " bits, more than " + MAX_RSA_BITS);
                }
            }
            return new Parsed.Key(new KeyRecord(alg, key, hashes, flags.contains("y"), flags.contains("s")));
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return new Parsed.Bad("key p= is not a " + alg.keyType() + " public key");
        }
    }

    private static PublicKey rsa(byte[] der) throws java.security.GeneralSecurityException {
        KeyFactory f = KeyFactory.getInstance("RSA");
        try {
            return f.generatePublic(new X509EncodedKeySpec(der));
        } catch (java.security.spec.InvalidKeySpecException e) {
            // some publish the PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo
            org.bouncycastle.asn1.pkcs.RSAPublicKey k = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der);
            return f.generatePublic(new RSAPublicKeySpec(k.getModulus(), k.getPublicExponent()));
        }
    }

    private static PublicKey ed25519(byte[] raw) throws java.security.GeneralSecurityException {
        if (raw.length != 32) {
            return null;
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    private static List<String> list(String v) {
        return Arrays.stream(v.split(":", -1)).map(String::strip).toList();
    }
}
