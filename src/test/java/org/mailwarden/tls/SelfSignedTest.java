package org.mailwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedTest {

    @TempDir
    Path dir;

    @Test
    void createsBothFilesWithAServerCertificateForTheHost() throws Exception {
        Path tlsDir = dir.resolve("tls");

        PemTlsProvider provider = SelfSigned.loadOrCreate(tlsDir, "mail.example.org", Duration.ZERO);

        Path cert = tlsDir.resolve("fullchain.pem");
        Path key = tlsDir.resolve("privkey.pem");
        assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(provider.certFile()).isEqualTo(cert);
        assertThat(provider.keyFile()).isEqualTo(key);
        // Nothing left over from the atomic writes.
        try (var files = Files.list(tlsDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("fullchain.pem", "privkey.pem");
        }

        X509Certificate leaf = provider.leafCertificate();
        assertThat(leaf.getVersion()).isEqualTo(3);
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(leaf.getSubjectX500Principal()).isEqualTo(leaf.getIssuerX500Principal());
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=mail.example.org");
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(
                List.of(2, "mail.example.org"), List.of(2, "localhost"),
                List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1); // not a CA
        assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.15", "2.5.29.19");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getSerialNumber().signum()).isPositive();
        leaf.verify(leaf.getPublicKey());
        leaf.checkValidity();
        Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertThat(validity).isBetween(Duration.ofDays(730), Duration.ofDays(731));
        assertThat(leaf.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(729)));
    }

    @Test
    void privateKeyIsOwnerOnly() throws Exception {
        SelfSigned.loadOrCreate(dir, "mail.example.org", Duration.ZERO);

        Path key = dir.resolve("privkey.pem");
        if (Files.getFileAttributeView(key, PosixFileAttributeView.class) != null) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        }
    }

    @Test
    void secondCallReusesTheFiles() throws Exception {
        X509Certificate first = SelfSigned.loadOrCreate(dir, "mail.example.org", Duration.ZERO).leafCertificate();
        byte[] keyBytes = Files.readAllBytes(dir.resolve("privkey.pem"));

        X509Certificate second = SelfSigned.loadOrCreate(dir, "other.example.org", Duration.ZERO).leafCertificate();

        assertThat(second).isEqualTo(first);
        assertThat(Files.readAllBytes(dir.resolve("privkey.pem"))).isEqualTo(keyBytes);
    }

    @Test
    void operatorFilesAreUsedAsTheyAre() throws Exception {
        Path other = dir.resolve("other");
        X509Certificate operators = SelfSigned.loadOrCreate(other, "real.example.org", Duration.ZERO).leafCertificate();
        Path tlsDir = Files.createDirectories(dir.resolve("tls"));
        TlsTestSupport.replace(other, tlsDir, "fullchain.pem", "privkey.pem");

        assertThat(SelfSigned.loadOrCreate(tlsDir, "mail.example.org").leafCertificate()).isEqualTo(operators);
    }

    @Test
    void aLoneCertificateIsReportedNotOverwritten() throws Exception {
        Files.writeString(dir.resolve("fullchain.pem"), "operator's file");

        assertThatThrownBy(() -> SelfSigned.loadOrCreate(dir, "mail.example.org"))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageContaining(dir.resolve("privkey.pem").toString())
                .hasMessageContaining("file not found");
        assertThat(Files.readString(dir.resolve("fullchain.pem"))).isEqualTo("operator's file");
    }

    @Test
    void hostNamesAreNormalisedAndIpLiteralsBecomeIpNames() throws Exception {
        X509Certificate idn = SelfSigned.createCertificate(SelfSigned.generateEcKeyPair(), "Mail.Bücher.example.", Instant.now());
        assertThat(idn.getSubjectAlternativeNames()).contains(List.of(2, "mail.xn--bcher-kva.example"));

        X509Certificate ip = SelfSigned.createCertificate(SelfSigned.generateEcKeyPair(), "192.0.2.7", Instant.now());
        assertThat(ip.getSubjectAlternativeNames()).contains(List.of(7, "192.0.2.7"));

        X509Certificate local = SelfSigned.createCertificate(SelfSigned.generateEcKeyPair(), "localhost", Instant.now());
        assertThat(local.getSubjectAlternativeNames()).hasSize(3);
    }
}
