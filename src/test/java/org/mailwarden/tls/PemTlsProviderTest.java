package org.mailwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mailwarden.tls.TlsTestSupport.commonName;
import static org.mailwarden.tls.TlsTestSupport.connect;
import static org.mailwarden.tls.TlsTestSupport.replace;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class PemTlsProviderTest {

    @TempDir
    Path dir;

    private Path cert;
    private Path key;

    @BeforeEach
    void paths() {
        cert = dir.resolve("fullchain.pem");
        key = dir.resolve("privkey.pem");
    }

    @Nested
    class KeyFormats {

        @Test
        void traditionalRsaPrivateKey() throws Exception {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair keys = generator.generateKeyPair();
            writeCertificate(keys, "rsa.example.org");
            Files.writeString(key, pem(keys.getPrivate()));
            assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

            assertServes("CN=rsa.example.org");
        }

        @Test
        void traditionalEcPrivateKeyAfterEcParameters() throws Exception {
            KeyPair keys = SelfSigned.generateEcKeyPair();
            writeCertificate(keys, "ec.example.org");
            // As `openssl ecparam -genkey` writes it: the curve, then an RFC 5915 key naming its curve and
            // carrying its public point.
            var ecKey = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ((ECPrivateKey) keys.getPrivate()).getS(),
                    SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
                    X9ObjectIdentifiers.prime256v1);
            Files.writeString(key, pem(new PemObject("EC PARAMETERS", X9ObjectIdentifiers.prime256v1.getEncoded()))
                    + pem(new PemObject("EC PRIVATE KEY", ecKey.getEncoded())));
            assertThat(Files.readString(key)).contains("-----BEGIN EC PRIVATE KEY-----");

            assertServes("CN=ec.example.org");
        }

        @Test
        void pkcs8KeyAndAChainWithAnIntermediate() throws Exception {
            KeyPair caKeys = SelfSigned.generateEcKeyPair();
            X509Certificate intermediate = SelfSigned.createCertificate(caKeys, "ca.example.org", Instant.now());
            KeyPair keys = SelfSigned.generateEcKeyPair();
            X509Certificate leaf = issue(keys, "leaf.example.org", caKeys, intermediate);
            Files.writeString(cert, pem(leaf) + pem(intermediate));
            Files.writeString(key, PemFiles.toPem("PRIVATE KEY", keys.getPrivate().getEncoded()));

            PemTlsProvider provider = new PemTlsProvider(cert, key, Duration.ZERO);

            assertThat(provider.leafCertificate()).isEqualTo(leaf);
            try (var server = TlsTestSupport.TestServer.implicitTls(provider);
                    var client = TlsTestSupport.openClient(server.port())) {
                client.startHandshake();
                assertThat(client.getSession().getPeerCertificates()).containsExactly(leaf, intermediate);
            }
        }

        private void assertServes(String subject) throws Exception {
            PemTlsProvider provider = new PemTlsProvider(cert, key, Duration.ZERO);
            try (var server = TlsTestSupport.TestServer.implicitTls(provider)) {
                TlsTestSupport.Peer peer = connect(server.port());
                assertThat(commonName(peer.certificate())).isEqualTo(subject);
                assertThat(peer.greeting()).isEqualTo("ok");
            }
        }
    }

    @Nested
    class FirstLoadFailures {

        @Test
        void missingCertificateFile() {
            SelfSigned.loadOrCreate(dir.resolve("elsewhere"), "mail.example.org");
            Path missing = dir.resolve("nope/fullchain.pem");

            assertThatThrownBy(() -> new PemTlsProvider(missing, dir.resolve("elsewhere/privkey.pem"), Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessage(missing + ": file not found");
        }

        @Test
        void garbageCertificateFile() throws IOException {
            SelfSigned.loadOrCreate(dir, "mail.example.org");
            Files.writeString(cert, "this is not a certificate\n");

            assertThatThrownBy(() -> new PemTlsProvider(cert, key, Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessageStartingWith(cert + ": no certificate found");
        }

        @Test
        void corruptCertificateBlock() throws IOException {
            SelfSigned.loadOrCreate(dir, "mail.example.org");
            Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

            assertThatThrownBy(() -> new PemTlsProvider(cert, key, Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessageStartingWith(cert + ": malformed PEM certificate file");
        }

        @Test
        void garbageKeyFile() throws IOException {
            SelfSigned.loadOrCreate(dir, "mail.example.org");
            Files.write(key, new byte[] {0, 1, 2, (byte) 0xff, '\n'});

            assertThatThrownBy(() -> new PemTlsProvider(cert, key, Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessageStartingWith(key + ": no private key found");
        }

        @Test
        void encryptedKey() throws Exception {
            KeyPair keys = SelfSigned.generateEcKeyPair();
            writeCertificate(keys, "mail.example.org");
            Files.writeString(key, pem(new JcaMiscPEMGenerator(keys.getPrivate(),
                    new JcePEMEncryptorBuilder("AES-128-CBC")
                            .setProvider(new BouncyCastleProvider()).build("secret".toCharArray())).generate()));

            assertThatThrownBy(() -> new PemTlsProvider(cert, key, Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessage(key + ": the private key is encrypted; the server needs it unencrypted");
        }

        @Test
        void chainOutOfOrder() throws Exception {
            KeyPair keys = SelfSigned.generateEcKeyPair();
            X509Certificate unrelated = SelfSigned.createCertificate(SelfSigned.generateEcKeyPair(), "ca.example.org", Instant.now());
            Files.writeString(cert, pem(SelfSigned.createCertificate(keys, "mail.example.org", Instant.now())) + pem(unrelated));
            Files.writeString(key, PemFiles.toPem("PRIVATE KEY", keys.getPrivate().getEncoded()));

            assertThatThrownBy(() -> new PemTlsProvider(cert, key, Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessageStartingWith(cert + ": certificate 2 (\"CN=ca.example.org\") did not issue certificate 1");
        }

        @Test
        void keyForAnotherCertificate() throws IOException {
            KeyPair keys = SelfSigned.generateEcKeyPair();
            writeCertificate(keys, "mail.example.org");
            Files.writeString(key, PemFiles.toPem("PRIVATE KEY", SelfSigned.generateEcKeyPair().getPrivate().getEncoded()));

            assertThatThrownBy(() -> new PemTlsProvider(cert, key, Duration.ZERO))
                    .isInstanceOf(TlsConfigException.class)
                    .hasMessage(key + ": private key does not match the first certificate in " + cert);
        }
    }

    @Nested
    class Reloading {

        private final Logger logger = (Logger) LoggerFactory.getLogger(PemTlsProvider.class);
        private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
        private Path renewed;

        @BeforeEach
        void captureLog() {
            logged.start();
            logger.addAppender(logged);
        }

        @AfterEach
        void releaseLog() {
            logger.detachAppender(logged);
        }

        @BeforeEach
        void renewal() {
            renewed = dir.resolve("renewed");
            SelfSigned.loadOrCreate(renewed, "second.example.org");
        }

        @Test
        void servesTheNewCertificateAfterTheFilesChange() throws Exception {
            PemTlsProvider provider = SelfSigned.loadOrCreate(dir, "first.example.org", Duration.ZERO);
            try (var server = TlsTestSupport.TestServer.implicitTls(provider)) {
                assertThat(commonName(connect(server.port()).certificate())).isEqualTo("CN=first.example.org");
                SSLContext before = provider.context();

                replace(renewed, dir, "fullchain.pem", "privkey.pem");

                assertThat(provider.context()).isNotSameAs(before);
                assertThat(commonName(connect(server.port()).certificate())).isEqualTo("CN=second.example.org");
                assertThat(commonName(provider.leafCertificate())).isEqualTo("CN=second.example.org");
                assertThat(messages()).anyMatch(m -> m.startsWith("event=tls-reloaded cert=" + cert));
            }
        }

        @Test
        void unchangedFilesKeepTheSameContext() {
            PemTlsProvider provider = SelfSigned.loadOrCreate(dir, "first.example.org", Duration.ZERO);

            assertThat(provider.context()).isSameAs(provider.context());
        }

        @Test
        void aBrokenReplacementKeepsTheOldCertificateAndLogsOnce() throws Exception {
            PemTlsProvider provider = SelfSigned.loadOrCreate(dir, "first.example.org", Duration.ZERO);
            SSLContext before = provider.context();
            try (var server = TlsTestSupport.TestServer.implicitTls(provider)) {
                Files.writeString(cert, "-----BEGIN CERTIFICATE-----\ntruncated");
                TlsTestSupport.bumpModified(cert);

                for (int i = 0; i < 3; i++) {
                    assertThat(provider.context()).isSameAs(before);
                }
                assertThat(commonName(connect(server.port()).certificate())).isEqualTo("CN=first.example.org");
                assertThat(messages()).filteredOn(m -> m.contains("tls-reload-failed")).singleElement()
                        .satisfies(m -> assertThat(m).startsWith("event=tls-reload-failed cert=" + cert + " reason=\"" + cert));

                // Fixed files are picked up again.
                replace(renewed, dir, "fullchain.pem", "privkey.pem");
                assertThat(commonName(connect(server.port()).certificate())).isEqualTo("CN=second.example.org");
            }
        }

        @Test
        void aCertificateRenewedBeforeItsKeyWaitsForTheKey() throws Exception {
            PemTlsProvider provider = SelfSigned.loadOrCreate(dir, "first.example.org", Duration.ZERO);

            replace(renewed, dir, "fullchain.pem");
            assertThat(commonName(provider.leafCertificate())).isEqualTo("CN=first.example.org");
            assertThat(messages()).anyMatch(m -> m.contains("tls-reload-failed") && m.contains("does not match"));

            replace(renewed, dir, "privkey.pem");
            assertThat(commonName(provider.leafCertificate())).isEqualTo("CN=second.example.org");
        }

        @Test
        void filesAreNotLookedAtAgainWithinTheInterval() throws Exception {
            PemTlsProvider provider = SelfSigned.loadOrCreate(dir, "first.example.org", Duration.ofHours(1));

            replace(renewed, dir, "fullchain.pem", "privkey.pem");

            assertThat(commonName(provider.leafCertificate())).isEqualTo("CN=first.example.org");
        }

        private List<String> messages() {
            return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    private void writeCertificate(KeyPair keys, String host) throws IOException {
        Files.writeString(cert, pem(SelfSigned.createCertificate(keys, host, Instant.now())));
    }

    /** A leaf signed by {@code issuer}, as a CA would issue it. */
    private static X509Certificate issue(KeyPair keys, String host, KeyPair issuerKeys, X509Certificate issuer) throws Exception {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                BigInteger.TWO, Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(90))),
                new X500Name("CN=" + host), keys.getPublic());
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
