package org.mailwarden.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.config.TrustedNetworks;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;

/** relay.trusted-networks: the PERMIT_DOCKER=host trap is refused at start-up, with the reason. */
class TrustedNetworksTest {

    @TempDir
    Path dir;

    private static List<String> check(String networks, boolean override) {
        return TrustedNetworks.validate(List.of(networks.split(",")).stream().map(Cidr::parse).toList(), override);
    }

    @Test
    void theWholeInternetAWidePrivateRangeAndAPublicSixteenAreRefused() {
        assertThatThrownBy(() -> check("0.0.0.0/0", false)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("relay.trusted-networks").hasMessageContaining("whole Internet")
                .hasMessageContaining("open relay").hasMessageContaining("relay.allow-wide-trusted-networks");
        assertThatThrownBy(() -> check("::/0", false)).hasMessageContaining("whole Internet");
        assertThatThrownBy(() -> check("10.0.0.0/8", false)).hasMessageContaining("wider than /16");
        assertThatThrownBy(() -> check("203.0.0.0/16", false)).hasMessageContaining("public network");
        assertThatThrownBy(() -> check("2001:db8::/32", false)).hasMessageContaining("wider than /48");
    }

    @Test
    void anOverrideLetsThemThroughWithAWarning() {
        assertThat(check("10.0.0.0/8", true)).singleElement().asString().contains("10.0.0.0/8");
    }

    @Test
    void aDockerBridgeStartsWithAWarningAndANarrowRangeSilently() {
        assertThat(check("172.17.0.0/16", false)).singleElement().asString()
                .contains("172.17.0.0/16").contains("wide private network");
        assertThat(check("192.168.1.0/24,127.0.0.1/32,fd00:1::/64", false)).isEmpty();
        assertThat(check("198.51.100.7", false)).singleElement().asString().contains("public address");
    }

    @Test
    void startUpStopsAndNamesTheSetting() throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), "relay.trusted-networks = 0.0.0.0/0\n");
        assertThatThrownBy(() -> ServerConfig.load(dir, null, null, ServerConfig.Ports.standard(false), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("refusing 0.0.0.0/0");

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = org.mailwarden.cli.Main.run("serve", "--data-dir", dir.toString(), "--no-demo");
        } finally {
            System.setErr(err);
        }
        assertThat(code).isEqualTo(78);
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("configuration error")
                .contains("relay.trusted-networks: refusing 0.0.0.0/0");
    }

    @Test
    void aTrustedClientMayRelayWithoutAuth() throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                relay.trusted-networks = 127.0.0.1/32
                dns.server = 127.0.0.1:9
                mailauth.enabled = 0
                """);
        try (TestServer t = TestServer.start(dir); SmtpClient c = new SmtpClient(t.smtpPort())) {
            c.read();
            c.cmd("EHLO app.internal.test");
            c.cmd("MAIL FROM:<app@example.test>");
            assertThat(c.cmd("RCPT TO:<someone@elsewhere.test>")).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: relayed\r\n\r\nx\r\n.")).startsWith("250 2.0.0");
            assertThat(t.queueEnvelopes()).hasSize(1);
        }
    }
}
