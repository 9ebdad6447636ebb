package org.mailwarden.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;

/** docker-mailserver's environment variables, honoured where they make sense and refused loudly where not. */
class DockerMailserverEnvTest {

    @TempDir
    Path dir;

    private static List<PermitDocker.InterfaceNetwork> iface(String address, int prefix) {
        return List.of(new PermitDocker.InterfaceNetwork(InetAddress.ofLiteral(address).getAddress(), prefix));
    }

    private ServerConfig load(Map<String, String> env, List<PermitDocker.InterfaceNetwork> interfaces) {
        return ServerConfig.load(dir, null, null, ServerConfig.Ports.standard(false), env, () -> interfaces);
    }

    @Test
    void permitDockerHostOnAPublicHostIsTheOpenRelayTrapAndIsRefused() {
        assertThatThrownBy(() -> load(Map.of("PERMIT_DOCKER", "host"), iface("203.0.113.5", 24)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PERMIT_DOCKER=host: refusing 203.0.0.0/16")
                .hasMessageContaining("public network").hasMessageContaining("open relay");
        assertThatThrownBy(() -> load(Map.of("PERMIT_DOCKER", "network"), iface("10.1.2.3", 24)))
                .hasMessageContaining("PERMIT_DOCKER=network: refusing 172.16.0.0/12").hasMessageContaining("/16");
        assertThatThrownBy(() -> load(Map.of("PERMIT_DOCKER", "everything"), iface("10.1.2.3", 24)))
                .hasMessageContaining("PERMIT_DOCKER=everything is not a known value");
    }

    @Test
    void permitDockerOnAPrivateHostIsTrustedWithAWarningAndNeverBanned() {
        ServerConfig c = load(Map.of("PERMIT_DOCKER", "host"), iface("192.168.1.10", 24));
        assertThat(c.submission().trustedNetworks()).containsExactly(Cidr.parse("192.168.0.0/16"));
        assertThat(c.submission().warnings()).singleElement().asString()
                .contains("PERMIT_DOCKER=host: 192.168.0.0/16 is a wide private network");
        assertThat(c.gate().trustedNetworks()).contains(Cidr.parse("192.168.0.0/16"));
        ServerConfig container = load(Map.of("PERMIT_DOCKER", "container"), iface("172.17.0.2", 16));
        assertThat(container.submission().trustedNetworks()).containsExactly(Cidr.parse("172.17.0.2/32"));
        assertThat(container.submission().warnings()).isEmpty();
        ServerConfig connected = load(Map.of("PERMIT_DOCKER", "connected-networks"), iface("172.18.0.5", 24));
        assertThat(connected.submission().trustedNetworks()).containsExactly(Cidr.parse("172.18.0.0/24"));
    }

    @Test
    void sslTypeLetsencryptManualAndUnsupported() throws Exception {
        Path live = dir.resolve("le/live/example.test");
        Files.createDirectories(live);
        Files.writeString(live.resolve("fullchain.pem"), "x");
        Files.writeString(live.resolve("privkey.pem"), "x");
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/mailwarden.conf"), "tls.letsencrypt-dir = " + dir.resolve("le/live") + "\n");
        ServerConfig le = load(Map.of("SSL_TYPE", "letsencrypt", "OVERRIDE_HOSTNAME", "mail.example.test"), List.of());
        assertThat(le.tlsCert()).isEqualTo(live.resolve("fullchain.pem"));
        assertThat(le.tlsKey()).isEqualTo(live.resolve("privkey.pem"));
        assertThatThrownBy(() -> load(Map.of("SSL_TYPE", "letsencrypt", "OVERRIDE_HOSTNAME", "mx.other.test"),
                List.of())).hasMessageContaining("SSL_TYPE=letsencrypt: no fullchain.pem");
        assertThatThrownBy(() -> load(Map.of("SSL_TYPE", "manual"), List.of()))
                .hasMessageContaining("SSL_TYPE=manual").hasMessageContaining("SSL_CERT_PATH");
        assertThatThrownBy(() -> load(Map.of("SSL_TYPE", "custom"), List.of()))
                .hasMessageContaining("SSL_TYPE=custom (tls.type) is not supported");
    }

    @Test
    void enablePop3TurnsOnThePop3ListenersOnTheirPorts() {
        assertThat(load(Map.of("ENABLE_POP3", "1"), List.of()).listeners())
                .filteredOn(l -> l.protocol() == ListenerConfig.Protocol.POP3)
                .extracting(ListenerConfig::name, ListenerConfig::tls, ListenerConfig::port)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("pop3", ListenerConfig.TlsMode.STARTTLS, 2110),
                        org.assertj.core.groups.Tuple.tuple("pop3s", ListenerConfig.TlsMode.IMPLICIT, 2995));
        assertThat(ServerConfig.Ports.standard(true)).extracting(ServerConfig.Ports::pop3, ServerConfig.Ports::pop3s)
                .containsExactly(110, 995);
        assertThat(load(Map.of(), List.of()).pop3()).isEqualTo(new Pop3Config(1024, java.time.Duration.ofSeconds(60),
                java.time.Duration.ofMinutes(10), 20, 3)); // RFC 1939's 10 minutes of autologout at least
        // off by default, as in docker-mailserver, and with ENABLE_POP3=0
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("ENABLE_POP3", "0"))) {
            assertThat(load(env, List.of()).listeners()).extracting(ListenerConfig::name)
                    .doesNotContain("pop3", "pop3s").contains("imap", "imaps");
        }
    }

    @Test
    void spoofProtectionAndFail2banSwitchesAreRead() {
        ServerConfig c = load(Map.of("SPOOF_PROTECTION", "0", "ENABLE_FAIL2BAN", "0", "FAIL2BAN_BLOCKTYPE", "drop"),
                List.of());
        assertThat(c.submission().spoofProtection()).isFalse();
        assertThat(c.gate().ban().enabled()).isFalse();
        assertThat(c.gate().ban().blockType()).isEqualTo(GateConfig.BlockType.DROP);
    }

    @Test
    void postmasterAddressReceivesPostmasterMailForEveryLocalDomain() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                domains = catchall.test
                smtp.greet-wait = 0
                dns.server = 127.0.0.1:9
                mailauth.enabled = 0
                postmaster-address = carol@example.test
                """);
        try (TestServer t = TestServer.start(dir); SmtpClient c = new SmtpClient(t.smtpPort())) {
            c.read();
            c.cmd("EHLO mx.remote.test");
            c.cmd("MAIL FROM:<>");
            assertThat(c.cmd("RCPT TO:<postmaster@example.test>")).startsWith("250 2.1.5");
            assertThat(c.cmd("RCPT TO:<Postmaster>")).startsWith("250 2.1.5");
            assertThat(c.cmd("RCPT TO:<nobody@example.test>")).startsWith("550 5.1.1");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: report\r\n\r\nx\r\n.")).startsWith("250 2.0.0");
            assertThat(t.messages("carol@example.test")).hasSize(1);
        }
    }
}
