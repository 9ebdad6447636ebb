package org.mailwarden.config.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.tls.SelfSigned;

class ConfigAuditTest {

    @TempDir
    Path dir;

    private ServerConfig load(String conf) throws Exception {
        // JUnit's 0700 would keep the mail user (the server drops root to it) out: run.user-blocked
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/mailwarden.conf"), conf);
        return ServerConfig.load(dir, null, null, new ServerConfig.Ports(0, 0, 0, null, null), Map.of());
    }

    private static List<String> ids(AuditReport report, Severity severity) {
        return report.findings().stream().filter(f -> f.severity() == severity).map(Finding::id).toList();
    }

    @Test
    void aFreshDataDirHasNoWarnings() throws Exception {
        ServerConfig config = load("");
        Files.writeString(config.configDir().resolve("postfix-accounts.cf"),
                "demo@example.test|" + PasswordHashes.hash("pw".toCharArray()) + "\n");
        AuditReport before = ConfigAudit.run(config); // before the first start: no certificate yet
        assertThat(before.atLeast(Severity.WARNING)).isEmpty();
        SelfSigned.loadOrCreate(config.tlsDir(), config.hostname());
        AuditReport report = ConfigAudit.run(config);
        assertThat(report.atLeast(Severity.WARNING)).isEmpty();
        assertThat(ids(report, Severity.INFO)).containsExactlyInAnyOrder("tls.self-signed", "dkim.key-missing",
                "run.user", "ban.kernel-off");
    }

    @Test
    void saysWhetherBansGoToTheKernelAndIfNotWhy() throws Exception {
        assertThat(ConfigAudit.run(load("")).findings()).filteredOn(f -> f.id().startsWith("ban.kernel"))
                .singleElement().satisfies(f -> assertThat(f.message()).contains("off (ban.kernel is off)"));
        boolean possible = org.mailwarden.unix.UnixUser.current().isRoot()
                && Files.isExecutable(java.nio.file.Path.of("/usr/sbin/nft"));
        assertThat(ConfigAudit.run(load("ban.kernel = true\n")).findings())
                .filteredOn(f -> f.id().startsWith("ban.kernel")).singleElement()
                .satisfies(f -> assertThat(f.id()).isEqualTo(possible ? "ban.kernel-on" : "ban.kernel-unavailable"))
                .satisfies(f -> assertThat(f.message()).contains(possible ? "inet mailwarden" : "only: "));
    }

    @Test
    void certificateExpiryAndHostname() throws Exception {
        ServerConfig config = load("hostname = mx.example.org\n");
        X509Certificate cert = SelfSigned.loadOrCreate(config.tlsDir(), "mx.example.org").leafCertificate();
        Instant notAfter = cert.getNotAfter().toInstant();
        assertThat(TlsCertificateCheck.covers(cert, "MX.example.org.")).isTrue();
        assertThat(TlsCertificateCheck.covers(cert, "localhost")).isTrue();
        assertThat(TlsCertificateCheck.covers(cert, "other.example.org")).isFalse();

        AuditReport soon = ConfigAudit.run(AuditContext.of(config, notAfter.minus(Duration.ofDays(10))),
                List.of(new TlsCertificateCheck()));
        assertThat(ids(soon, Severity.WARNING)).containsExactly("tls.expiring");
        assertThat(soon.findings().getFirst().message()).contains("in 10 days");
        assertThat(soon.hasCritical()).isFalse();

        AuditReport expired = ConfigAudit.run(AuditContext.of(config, notAfter.plusSeconds(1)),
                List.of(new TlsCertificateCheck()));
        assertThat(ids(expired, Severity.CRITICAL)).containsExactly("tls.expired");
        assertThat(expired.hasCritical()).isTrue();

        AuditReport renamed = ConfigAudit.run(AuditContext.of(load("hostname = mail.example.net\n"), Instant.now()),
                List.of(new TlsCertificateCheck()));
        assertThat(ids(renamed, Severity.WARNING)).containsExactly("tls.hostname-mismatch");
        assertThat(renamed.findings().getFirst().message()).contains("mail.example.net", "mx.example.org");
    }

    @Test
    void fixtureFindsEachProblem() throws Exception {
        ServerConfig config = load("""
                hostname = mx.example.org
                smtp.bare-lf = normalize
                tls.cert = %s
                tls.key = %s
                """.formatted(dir.resolve("missing/fullchain.pem"), dir.resolve("missing/privkey.pem")));
        Path c = config.configDir();
        Files.writeString(c.resolve("postfix-accounts.cf"), """
                plain@example.org|{PLAIN}hunter2
                md5@example.org|{MD5-CRYPT}$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0
                odd@example.org|{NOPE}abc
                good@example.net|%s
                no-separator-here
                """.formatted(PasswordHashes.hash("pw".toCharArray())));
        Files.writeString(c.resolve("postfix-virtual.cf"), """
                bare-name good@example.net
                lost@example.net nobody@example.net
                """);
        Files.createDirectories(c.resolve("opendkim/keys/example.net"));
        Files.writeString(c.resolve("opendkim/keys/example.net/mail.private"), "key");

        AuditReport report = ConfigAudit.run(config);
        assertThat(ids(report, Severity.CRITICAL)).containsExactly("tls.unusable");
        assertThat(ids(report, Severity.WARNING)).containsExactlyInAnyOrder("accounts.weak-hash",
                "accounts.weak-hash", "accounts.unsupported-hash", "config.malformed-line", "config.malformed-line",
                "aliases.undeliverable", "dkim.key-missing");
        assertThat(ids(report, Severity.INFO)).containsExactly("smtp.bare-lf-normalize", "run.user", "ban.kernel-off");
        assertThat(report.findings()).filteredOn(f -> f.id().equals("dkim.key-missing"))
                .singleElement().satisfies(f -> assertThat(f.message()).contains("example.org"));
        assertThat(report.findings()).filteredOn(f -> f.id().startsWith("accounts."))
                .allSatisfy(f -> assertThat(f.message() + f.fix()).doesNotContain("hunter2", "$1$", "abc"));
        assertThat(report.hasCritical()).isTrue();
    }

    @Test
    void relayAndAuthRisksAreFound() throws Exception {
        AuditReport wide = ConfigAudit.run(load("""
                relay.trusted-networks = 10.0.0.0/8, 172.17.0.0/16
                relay.allow-wide-trusted-networks = 1
                spoof-protection = 0
                smtp.auth-on-port-25 = 1
                """));
        assertThat(ids(wide, Severity.CRITICAL)).containsExactly("relay.trusted-networks-wide");
        assertThat(ids(wide, Severity.WARNING)).contains("relay.trusted-networks-broad",
                "submission.spoof-protection-off", "auth.port-25");
        AuditReport open = ConfigAudit.run(load("""
                relay.trusted-networks = 0.0.0.0/0
                relay.allow-wide-trusted-networks = 1
                """));
        assertThat(ids(open, Severity.CRITICAL)).contains("relay.trusted-networks-wide", "relay.open");
    }

    @Test
    void gateRisksAreFound() throws Exception {
        AuditReport r = ConfigAudit.run(load("""
                proxy.trusted = 0.0.0.0/0
                listen.smtp.proxy-protocol = 1
                ban.enabled = 0
                listen.submission.allow = 192.168.1.0/24
                """));
        assertThat(ids(r, Severity.CRITICAL)).containsExactly("proxy.trusted-anyone");
        assertThat(ids(r, Severity.WARNING)).contains("ban.disabled", "gate.listener-unrestricted");
        assertThat(r.findings()).filteredOn(f -> f.id().equals("gate.listener-unrestricted")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("[submission]").contains("smtp"));
        AuditReport global = ConfigAudit.run(load("access.allow = 192.168.1.0/24\n"));
        assertThat(ids(global, Severity.WARNING)).doesNotContain("gate.listener-unrestricted");
    }

    @Test
    void theRunUserIsReportedAndWhatItCannotReachOrReadIsFound() throws Exception {
        ServerConfig config = load("");
        Path accounts = config.configDir().resolve("postfix-accounts.cf");
        Files.writeString(accounts, "a@example.test|{PLAIN}x\n");
        if (!org.mailwarden.unix.Privileges.isRoot()) {
            AuditReport report = ConfigAudit.run(AuditContext.of(config, Instant.now()), List.of(new RunUserCheck()));
            assertThat(report.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("run.user");
                assertThat(f.message()).contains("not started as root");
            });
            return;
        }
        AuditReport fine = ConfigAudit.run(AuditContext.of(config, Instant.now()), List.of(new RunUserCheck()));
        assertThat(fine.findings()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("run.user");
            assertThat(f.message()).contains("5000:5000", "docker-mailserver's default");
        });

        Files.setPosixFilePermissions(accounts, PosixFilePermissions.fromString("rw-------")); // root's, 0600
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        AuditReport closed = ConfigAudit.run(AuditContext.of(config, Instant.now()), List.of(new RunUserCheck()));
        assertThat(ids(closed, Severity.CRITICAL)).contains("run.user-blocked", "run.user-cannot-read");
        assertThat(closed.findings()).filteredOn(f -> f.id().equals("run.user-cannot-read")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains(accounts.toString()));

        AuditReport root = ConfigAudit.run(AuditContext.of(load("run.user = root\n"), Instant.now()),
                List.of(new RunUserCheck()));
        assertThat(ids(root, Severity.WARNING)).containsExactly("run.user-root");
        AuditReport bad = ConfigAudit.run(AuditContext.of(load("run.user = no-such-user-here\n"), Instant.now()),
                List.of(new RunUserCheck()));
        assertThat(ids(bad, Severity.CRITICAL)).containsExactly("run.user-invalid");
        assertThat(bad.findings().getFirst().message()).contains("run.user", "no-such-user-here");
    }

    @Test
    void aFailingCheckIsReportedAndTheOthersStillRun() throws Exception {
        ServerConfig config = load("smtp.bare-lf = normalize\n");
        ConfigCheck broken = new ConfigCheck() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public List<Finding> run(AuditContext context) {
                throw new IllegalStateException("boom");
            }
        };
        AuditReport report = ConfigAudit.run(AuditContext.of(config, Instant.now()), List.of(broken, new BareLfCheck()));
        assertThat(report.findings()).extracting(Finding::id).containsExactly("audit.check-failed",
                "smtp.bare-lf-normalize");
    }
}
