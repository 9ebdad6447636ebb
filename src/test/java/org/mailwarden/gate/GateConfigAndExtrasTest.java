package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.GateConfig;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.support.SmtpClient;

/** Gate settings from mailwarden.conf and the environment, fail2ban-style lines, PROXY on implicit TLS, timeouts. */
class GateConfigAndExtrasTest {

    @TempDir
    Path dir;

    ServerConfig load(String conf, Map<String, String> env) throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config").resolve(ServerConfig.CONFIG_FILE), conf);
        return ServerConfig.load(dir, null, null, new ServerConfig.Ports(25, 587, null, null, null), env);
    }

    @Test
    void settingsAreReadFromTheFileAndTheEnvironment() throws Exception {
        GateConfig g = load("""
                proxy.trusted = 10.0.0.0/8, fd00::/8
                listen.submission.proxy-protocol = true
                access.allow = 192.0.2.0/24
                listen.smtp.deny = 198.51.100.0/24
                relay.trusted-networks = 172.16.5.0/24
                ban.maxretry = 7
                ban.bantime = 2h
                ban.weights = pregreet=1
                limits.connection-rate = 10/1s
                """, Map.of("ENABLE_FAIL2BAN", "0")).gate();
        assertThat(g.proxyTrusted()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"));
        assertThat(g.proxyListeners()).containsExactly("submission");
        assertThat(g.allow()).containsExactly(Cidr.parse("192.0.2.0/24"));
        assertThat(g.listenerDeny().get("smtp")).containsExactly(Cidr.parse("198.51.100.0/24"));
        assertThat(g.ban().enabled()).isFalse();
        assertThat(g.ban().maxRetry()).isEqualTo(7);
        assertThat(g.ban().banTime()).isEqualTo(Duration.ofHours(2));
        assertThat(g.ban().weights()).containsEntry("pregreet", 1).containsEntry("auth-failure", 1);
        assertThat(g.connectionRate()).isEqualTo(new GateConfig.Rate(10, Duration.ofSeconds(1)));
        assertThat(SecurityGate.effectiveIgnore(g)).contains(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1"),
                Cidr.parse("172.16.5.0/24"));

        assertThat(load("", Map.of()).gate()).isEqualTo(GateConfig.defaults());
    }

    @Test
    void badGateSettingsStopStartUpWithTheFix() {
        assertThatThrownBy(() -> load("listen.smtp.proxy-protocol = true\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("proxy.trusted");
        assertThatThrownBy(() -> load("access.allow = 10.0.0.0/33\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("access.allow");
        assertThatThrownBy(() -> load("limits.connection-rate = lots\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("limits.connection-rate");
        assertThatThrownBy(() -> load("listen.nntp.allow = 10.0.0.0/8\n", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown setting");
    }

    @Test
    void fail2banLinesMatchStockFilterShapesAndCannotBeForged() {
        var o = new Event.Origin("imap", "imap", "203.0.113.7");
        assertThat(Fail2banLines.line(new Event.AuthFailure(o, "S", "bob> rip=1.2.3.4,", "PLAIN", "bad")).orElseThrow())
                .isEqualTo("dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<bobrip1.2.3.4>, "
                        + "method=PLAIN, rip=203.0.113.7, lip=0.0.0.0");
        var s = new Event.Origin("submission", "submission", "203.0.113.8");
        assertThat(Fail2banLines.line(new Event.AuthFailure(s, "S", "bob", "LOGIN", "bad")).orElseThrow())
                .matches("postfix/smtpd\\[1\\]: warning: unknown\\[203\\.0\\.113\\.8\\]: SASL LOGIN authentication failed: .*");
        assertThat(Fail2banLines.line(new Event.RelayDenied(s, "S", "a@b", "c@d")).orElseThrow())
                .contains("NOQUEUE: reject: RCPT from unknown[203.0.113.8]: 554 5.7.1 <c@d>: Relay access denied");
        assertThat(Fail2banLines.line(new Event.Delivered(s, "S", "id", "a@b", 1, 0, 10))).isEmpty();
    }

    @Test
    void proxyHeaderBeforeImplicitTlsAndHeaderTimeout() throws Exception {
        try (GateServer s = GateServer.start(dir, """
                proxy.trusted = 127.0.0.1
                proxy.timeout = 300ms
                listen.submissions.proxy-protocol = true
                listen.smtp.proxy-protocol = true
                """)) {
            int port = s.port("submissions");
            Socket raw = new Socket();
            raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write(ProxyProtocol.v2(new InetSocketAddress(InetAddress.ofLiteral("198.51.100.3"), 1),
                    new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port)));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}

                public void checkServerTrusted(X509Certificate[] c, String a) {}

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", port, true)) {
                tls.startHandshake();
                var in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("220");
            }
            assertThat(s.events(Event.ConnectionOpened.class).getLast().origin().ip()).isEqualTo("198.51.100.3");

            // a proxy that sends nothing is dropped after proxy.timeout
            try (SmtpClient c = new SmtpClient(s.port("smtp"))) {
                assertThat(GateServer.untilClosed(c)).isEmpty();
            }
            org.mailwarden.support.Await.until("timeout reported", Duration.ofSeconds(5), () -> s
                    .events(Event.ConnectionRefused.class).stream().anyMatch(e -> e.reason().equals("proxy-header-timeout")));
        }
    }
}
