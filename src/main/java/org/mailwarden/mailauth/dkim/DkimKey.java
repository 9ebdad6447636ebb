package org.mailwarden.mailauth.dkim;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A DKIM signing key for one domain and selector, stored as docker-mailserver lays it out:
 * {@code <configDir>/opendkim/keys/<domain>/<selector>.private} (PEM, PKCS#8 or PKCS#1 for RSA), with the DNS
 * record to publish in {@code <selector>.txt}.
 */
public record DkimKey(String domain, String selector, PrivateKey privateKey) {

    public enum Type { RSA, ED25519 }

    public boolean isEd25519() {
        return !(privateKey instanceof RSAPrivateCrtKey) && !"RSA".equals(privateKey.getAlgorithm());
    }

    /** The a= tag value. */
    public String algorithm() {
        return isEd25519() ? "ed25519-sha256" : "rsa-sha256";
    }

    /** The p= value: SubjectPublicKeyInfo for RSA, the raw 32-byte key for Ed25519 (RFC 8463). */
    public String publicKeyBase64() {
        try {
            if (privateKey instanceof RSAPrivateCrtKey rsa) {
                byte[] spki = KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent())).getEncoded();
                return Base64.getEncoder().encodeToString(spki);
            }
            byte[] raw = rawEd25519(privateKey);
            return Base64.getEncoder().encodeToString(new Ed25519PrivateKeyParameters(raw, 0).generatePublicKey()
                    .getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] rawEd25519(PrivateKey k) {
        if (k instanceof EdECPrivateKey ed) {
            return ed.getBytes().orElseThrow();
        }
        // PKCS#8 of Ed25519: the last 32 bytes are the seed
        byte[] enc = k.getEncoded();
        return java.util.Arrays.copyOfRange(enc, enc.length - 32, enc.length);
    }

    /** The TXT record value: "v=DKIM1; k=rsa; p=..." (h=sha256 for RSA, as opendkim-genkey writes). */
    public String txtRecord() {
        return "v=DKIM1; " + (isEd25519() ? "k=ed25519" : "h=sha256; k=rsa") + "; p=" + publicKeyBase64();
    }

    /** The record as a zone file line, long values split into 255-octet strings, like opendkim-genkey's mail.txt. */
    public String zoneFileLine() {
        String value = txtRecord();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 250) {
            parts.add("\"" + value.substring(i, Math.min(value.length(), i + 250)) + "\"");
        }
        return selector + "._domainkey\tIN\tTXT\t( " + String.join("\n\t  ", parts) + " )  ; ----- DKIM key "
                + selector + " for " + domain + "\n";
    }

    public static Path keyDir(Path configDir, String domain) {
        return configDir.resolve("opendkim").resolve("keys").resolve(domain.toLowerCase(Locale.ROOT));
    }

    /** Reads a PEM private key (PKCS#8 "PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"). */
    public static DkimKey load(Path file, String domain, String selector) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        try (Reader r = new StringReader(pem); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            PrivateKey key = switch (o) {
                case PEMKeyPair kp -> conv.getKeyPair(kp).getPrivate();
                case PrivateKeyInfo info -> conv.getPrivateKey(info);
                case null -> throw new IOException("no PEM private key in " + file);
                default -> throw new IOException("unsupported key type " + o.getClass().getSimpleName() + " in " + file);
            };
            return new DkimKey(domain.toLowerCase(Locale.ROOT), selector, key);
        }
    }

    /** Generates a key: RSA-2048 or Ed25519. */
    public static DkimKey generate(String domain, String selector, Type type) {
        try {
            KeyPair kp;
            if (type == Type.RSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                kp = g.generateKeyPair();
            } else {
                kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            return new DkimKey(domain.toLowerCase(Locale.ROOT), selector, kp.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code <selector>.private} (mode 0600, created new: an existing key is never overwritten) and
     * {@code <selector>.txt} into the domain's key directory. Returns the private key file.
     */
    public Path write(Path configDir) throws IOException {
        Path dir = keyDir(configDir, domain);
        Files.createDirectories(dir);
        Path priv = dir.resolve(selector + ".private");
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(privateKey.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(priv, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(dir.resolve(selector + ".txt"), zoneFileLine(), StandardCharsets.US_ASCII);
        return priv;
    }

    @Override
    public String toString() {
        return "DkimKey[" + domain + ", " + selector + ", " + algorithm() + "]"; // never the key
    }

}
