package org.mailwarden.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.mailwarden.files.AtomicFile;

/**
 * Reads and writes PEM files in the layout ACME clients (certbot, lego, acme.sh) produce. Conversions use
 * the JDK's own providers rather than registering BouncyCastle, so JSSE gets the key classes it expects.
 */
final class PemFiles {

    /** Far larger than any real chain; stops a wrong path (a log file, a disk image) being read whole. */
    private static final long MAX_PEM_BYTES = 1 << 20;

    private PemFiles() {}

    /** All certificates in the file, in file order (for fullchain.pem: the leaf first). */
    static List<X509Certificate> readCertificateChain(Path file) {
        String text = readText(file);
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> chain = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                // Other blocks (a key in a combined file, say) are not certificates and are skipped.
                if (item instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new TlsConfigException(file + ": malformed PEM certificate file (" + describe(e) + ")", e);
        }
        if (chain.isEmpty()) {
            throw new TlsConfigException(file + ": no certificate found (expected a \"BEGIN CERTIFICATE\" block)");
        }
        return List.copyOf(chain);
    }

    /** The first private key in the file: PKCS#8 "PRIVATE KEY" or traditional "RSA/EC PRIVATE KEY". */
    static PrivateKey readPrivateKey(Path file) {
        String text = readText(file);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (item instanceof PEMKeyPair pair) {
                    // Only the private part: a traditional EC key may omit its public key.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (item instanceof PKCS8EncryptedPrivateKeyInfo || item instanceof PEMEncryptedKeyPair) {
                    throw new TlsConfigException(file + ": the private key is encrypted; the server needs it unencrypted");
                }
                // "EC PARAMETERS" (openssl ecparam -genkey writes it before the key) and the like: skip.
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof TlsConfigException tce) {
                throw tce;
            }
            throw new TlsConfigException(file + ": malformed PEM private key file (" + describe(e) + ")", e);
        }
        throw new TlsConfigException(file + ": no private key found (expected a \"BEGIN PRIVATE KEY\", "
                + "\"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\" block)");
    }

    static String toPem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("writing to a StringWriter cannot fail", e);
        }
        return out.toString();
    }

    /**
     * Replaces {@code target} so that readers (and a crash) see either the old or the new content, never a
     * torn file: write a temporary file in the same directory, fsync it, rename it over the target, fsync
     * the directory so the rename itself is durable. A secret file is created 0600 from the start, so the
     * key is never briefly readable by others.
     */
    static void writeAtomically(Path target, String content, boolean secret) throws IOException {
        AtomicFile.writeBytes(target, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"),
                content.getBytes(StandardCharsets.US_ASCII));
    }

    private static String readText(Path file) {
        try {
            if (Files.size(file) > MAX_PEM_BYTES) {
                throw new TlsConfigException(file + ": too large to be a PEM file (over " + MAX_PEM_BYTES + " bytes)");
            }
            // ISO-8859-1 maps every byte, so a binary file reads as text and fails as "no PEM block found".
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(file + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new TlsConfigException(file + ": permission denied", e);
        } catch (IOException e) {
            throw new TlsConfigException(file + ": cannot read (" + describe(e) + ")", e);
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
