package org.mailwarden.mailauth.dkim;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/** The a= values Mailwarden signs and verifies: rsa-sha256 (RFC 6376, 8301) and ed25519-sha256 (RFC 8463). */
public enum SigningAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa"), ED25519_SHA256("ed25519-sha256", "ed25519");

    private final String tag;
    private final String keyType;

    SigningAlgorithm(String tag, String keyType) {
        this.tag = tag;
        this.keyType = keyType;
    }

    /** The a= value. */
    public String tag() {
        return tag;
    }

    /** The k= value of the key record. */
    public String keyType() {
        return keyType;
    }

    /** The algorithm of an a= value, or null when it is not one of ours. */
    public static SigningAlgorithm of(String a) {
        for (SigningAlgorithm s : values()) {
            if (s.tag.equals(a)) {
                return s;
            }
        }
        return null;
    }

    public byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = signature();
            s.initSign(key);
            s.update(input(data));
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DKIM signing failed: " + e, e);
        }
    }

    /** Whether {@code sig} is this algorithm's signature of {@code data} by {@code key}; false on any error. */
    public boolean verify(PublicKey key, byte[] data, byte[] sig) {
        try {
            Signature s = signature();
            s.initVerify(key);
            s.update(input(data));
            return s.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private Signature signature() throws GeneralSecurityException {
        return switch (this) {
            case RSA_SHA256 -> Signature.getInstance("SHA256withRSA");
            case ED25519_SHA256 -> Signature.getInstance("Ed25519");
        };
    }

    /** RFC 8463 3: Ed25519 signs the SHA-256 hash of the data (PureEdDSA); RSA hashes the data itself. */
    private byte[] input(byte[] data) throws GeneralSecurityException {
        return switch (this) {
            case RSA_SHA256 -> data;
            case ED25519_SHA256 -> MessageDigest.getInstance("SHA-256").digest(data);
        };
    }
}
