package org.mailwarden.srs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.config.SrsConfig;

/** docker-mailserver's SRS variables, the domain derived as it derives it, the secret file as postsrsd keeps it. */
class SrsSettingsTest {

    @TempDir
    Path dir;

    private SrsConfig load(String conf, Map<String, String> env) throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/mailwarden.conf"), conf);
        return ServerConfig.load(dir, null, null, ServerConfig.Ports.standard(false), env).srs();
    }

    @Test
    void dockerMailserverVariablesSetIt() throws Exception {
        SrsConfig c = load("hostname = mail.example.com\n", Map.of("ENABLE_SRS", "1", "SRS_SECRET", "s1,s2",
                "SRS_EXCLUDE_DOMAINS", "Example.org, .lists.example.net", "SRS_DOMAINNAME", "srs.example.com"));
        assertThat(c.enabled()).isTrue();
        assertThat(c.domain()).isEqualTo("srs.example.com");
        assertThat(SrsSecrets.load(c)).containsExactly("s1", "s2");
        assertThat(c.excluded()).containsExactly("example.org", ".lists.example.net");
        assertThat(load("hostname = mail.example.com\n", Map.of()).enabled()).isFalse();
    }

    @Test
    void theDomainComesFromTheHostnameAsDockerMailserverDerivesIt() throws Exception {
        assertThat(load("hostname = mail.example.com\nsrs.enabled = 1\n", Map.of()).domain()).isEqualTo("example.com");
        assertThat(load("hostname = example.com\nsrs.enabled = 1\n", Map.of()).domain()).isEqualTo("example.com");
        assertThatThrownBy(() -> load("hostname = localhost\nsrs.enabled = 1\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("srs.domain (SRS_DOMAINNAME)")
                .hasMessageContaining("derived from the hostname").hasMessageContaining("Fix: set SRS_DOMAINNAME");
        assertThatThrownBy(() -> load("hostname = a.example.com\nsrs.exclude-domains = bad_domain\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'bad_domain' is not a domain");
    }

    @Test
    void withoutSrsSecretTheSecretFileIsReadOrCreatedOwnerOnly() throws Exception {
        SrsConfig c = load("hostname = mail.example.com\nsrs.enabled = 1\n", Map.of());
        assertThat(c.secretFile()).isEqualTo(dir.toAbsolutePath().normalize().resolve("state/postsrsd.secret"));
        List<String> created = SrsSecrets.load(c);
        assertThat(created).singleElement().satisfies(s -> assertThat(s).matches("[A-Za-z0-9+/]{32}"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(c.secretFile()))).isEqualTo("rw-------");
        assertThat(SrsSecrets.load(c)).isEqualTo(created); // read again, not made anew

        Path old = dir.resolve("etc-postsrsd/postsrsd.secret");
        Files.createDirectories(old.getParent());
        Files.writeString(old, "first\r\n\nsecond\n");
        SrsConfig fromFile = load("hostname = mail.example.com\nsrs.enabled = 1\nsrs.secret-file = " + old + "\n",
                Map.of());
        assertThat(SrsSecrets.load(fromFile)).containsExactly("first", "second");
        Files.writeString(old, "\n");
        assertThatThrownBy(() -> SrsSecrets.load(fromFile)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("holds no secret").hasMessageContaining("Fix:");
    }
}
