package org.mailwarden.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.IDN;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A working TLS setup out of the box: unless the operator has put certificate files in the TLS directory,
 * create a self-signed one so STARTTLS and implicit TLS work from the first start. Mail servers rarely
 * verify each other's certificates, so this already gives encryption against passive eavesdropping.
 *
 * <p>The key is ECDSA P-256: every current TLS stack (JSSE, OpenSSL and so Python and swaks, Go, .NET)
 * negotiates it in TLS 1.2 (ECDHE-ECDSA-AES-GCM) and 1.3, and it is far cheaper to make than RSA.
 */
public final class SelfSigned {

    public static final String CERT_FILE = "fullchain.pem";
    public static final String KEY_FILE = "privkey.pem";

    private static final Logger log = LoggerFactory.getLogger(SelfSigned.class);
    private static final Duration VALIDITY = Duration.ofDays(730);
    /** Accept clients whose clocks run a little behind ours. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    /** X.520 upper bound for a common name. */
    private static final int MAX_CN_LENGTH = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SelfSigned() {}

    /** {@link #loadOrCreate(Path, String, Duration)} checking for replaced files once a minute. */
    public static PemTlsProvider loadOrCreate(Path tlsDir, String hostname) {
        return loadOrCreate(tlsDir, hostname, PemTlsProvider.DEFAULT_CHECK_INTERVAL);
    }

    /**
     * Serves {@code tlsDir/fullchain.pem} and {@code tlsDir/privkey.pem}, creating a self-signed pair for
     * {@code hostname} first if neither exists. The operator can later drop real certificates over them;
     * the provider picks them up without a restart.
     *
     * @throws TlsConfigException if only one of the files exists, the files cannot be loaded, or new ones
     *     cannot be written
     */
    public static PemTlsProvider loadOrCreate(Path tlsDir, String hostname, Duration checkInterval) {
        Path certFile = tlsDir.resolve(CERT_FILE);
        Path keyFile = tlsDir.resolve(KEY_FILE);
        // NOFOLLOW_LINKS: a dangling symlink (a misconfigured /etc/letsencrypt/live link) is the operator's
        // file, and replacing it with a self-signed certificate would hide the mistake.
        boolean haveCert = Files.exists(certFile, LinkOption.NOFOLLOW_LINKS);
        boolean haveKey = Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS);
        if (haveCert != haveKey) {
            Path missing = haveCert ? keyFile : certFile;
            Path present = haveCert ? certFile : keyFile;
            throw new TlsConfigException(missing + ": file not found, but " + present.getFileName()
                    + " exists; supply both files, or remove " + present + " to have a self-signed pair created");
        }
        if (!haveCert) {
            create(tlsDir, hostname, certFile, keyFile);
        }
        return new PemTlsProvider(certFile, keyFile, checkInterval);
    }

    private static void create(Path tlsDir, String hostname, Path certFile, Path keyFile) {
        KeyPair keys = generateEcKeyPair();
        X509Certificate certificate = createCertificate(keys, hostname, Instant.now());
        try {
            Files.createDirectories(tlsDir);
            // The key first: a crash between the two renames leaves a lone key, which the next start
            // reports, rather than a lone certificate whose key is lost for good.
            PemFiles.writeAtomically(keyFile, PemFiles.toPem("PRIVATE KEY", keys.getPrivate().getEncoded()), true);
            PemFiles.writeAtomically(certFile, PemFiles.toPem("CERTIFICATE", certificate.getEncoded()), false);
        } catch (IOException | CertificateException e) {
            throw new TlsConfigException(tlsDir + ": cannot write a self-signed certificate ("
                    + PemFiles.describe(e) + ")", e);
        }
        log.info("event=tls-self-signed-created dir={} host={}", tlsDir, hostname);
    }

    static KeyPair generateEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate P-256 keys", e);
        }
    }

    /**
     * A self-signed end-entity certificate for {@code hostname}, also valid for localhost and the loopback
     * addresses so local tools connecting by those names match it. Package-private for tests, which also
     * use it with RSA keys.
     */
    static X509Certificate createCertificate(KeyPair keys, String hostname, Instant now) {
        String host = normalizeHost(hostname);
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, host.length() <= MAX_CN_LENGTH ? host : "mailwarden")
                .build();
        // Positive, non-zero and at most 16 octets, within RFC 5280's 20-octet limit; random so clients
        // that cached an earlier self-signed certificate do not see a serial clash.
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial,
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(host));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            String signatureAlgorithm = switch (keys.getPrivate().getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                default -> "SHA256withECDSA";
            };
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(signatureAlgorithm)
                            .build(keys.getPrivate())));
        } catch (CertIOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a self-signed certificate for " + host, e);
        }
    }

    private static GeneralNames subjectAltNames(String host) {
        // A set: the host may itself be "localhost" or "127.0.0.1", and duplicates look sloppy to tools.
        Set<GeneralName> names = new LinkedHashSet<>();
        names.add(IPAddress.isValid(host)
                ? new GeneralName(GeneralName.iPAddress, host)
                : new GeneralName(GeneralName.dNSName, host));
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        names.add(new GeneralName(GeneralName.iPAddress, "::1"));
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    /** Certificates carry host names in ASCII (IDNA) form, lower case and without a trailing dot. */
    private static String normalizeHost(String hostname) {
        if (hostname == null || hostname.isBlank() || hostname.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("not a host name: \"" + hostname + "\"");
        }
        String host = hostname.endsWith(".") ? hostname.substring(0, hostname.length() - 1) : hostname;
        if (IPAddress.isValid(host)) {
            return host;
        }
        return IDN.toASCII(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    }
}
