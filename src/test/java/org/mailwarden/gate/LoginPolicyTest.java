package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.support.MutableClock;

/** Access lists, per-account networks and the per-account failure limiter, as the gate answers checkLogin. */
class LoginPolicyTest {

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    static final ListenerConfig SMTP = new ListenerConfig("smtp", ListenerConfig.Protocol.SMTP,
            ListenerConfig.TlsMode.STARTTLS, "127.0.0.1", 0);
    static final ListenerConfig IMAP = new ListenerConfig("imap", ListenerConfig.Protocol.IMAP,
            ListenerConfig.TlsMode.STARTTLS, "127.0.0.1", 0);

    static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    static List<Cidr> cidrs(String... s) {
        return java.util.Arrays.stream(s).map(Cidr::parse).toList();
    }

    SecurityGate gate(GateConfig c) {
        return SecurityGate.create(c, dir.resolve("config"), dir.resolve("state"), clock);
    }

    @Test
    void accessListsDenyWinsAndAllowIsExclusive() {
        AccessList l = new AccessList(cidrs("198.51.100.0/24", "2001:db8::/32"), cidrs("198.51.100.66"));
        assertThat(l.refusal(ip("198.51.100.5"))).isNull();
        assertThat(l.refusal(ip("2001:db8:ffff::1"))).isNull();
        assertThat(l.refusal(ip("198.51.100.66"))).isEqualTo("deny-list");
        assertThat(l.refusal(ip("203.0.113.1"))).isEqualTo("not-in-allow-list");
        assertThat(l.refusal(ip("::ffff:198.51.100.5"))).as("v4-mapped").isNull();
        assertThat(AccessList.EMPTY.refusal(ip("203.0.113.1"))).isNull();
    }

    @Test
    void globalAndListenerListsApplyAtConnectAndLoginAlike() {
        GateConfig c = new GateConfig(List.of(), Duration.ofSeconds(5), Set.of(), cidrs("198.51.100.0/24"),
                List.of(), Map.of(), Map.of("imap", cidrs("198.51.100.7")), List.of(), GateConfig.Ban.defaults(), 0,
                GateConfig.Rate.NONE, 0, Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofSeconds(30));
        SecurityGate g = gate(c);
        for (ListenerConfig l : List.of(SMTP, IMAP)) {
            assertThat(g.admit(ip("203.0.113.1"), l)).isEqualTo(new ConnectionGate.Decision.Refuse("not-in-allow-list"));
            assertThat(g.checkLogin(ip("203.0.113.1"), "alice@example.test", l))
                    .isEqualTo(new LoginDecision.Deny("not-in-allow-list", false));
        }
        assertThat(g.admit(ip("198.51.100.7"), SMTP)).isInstanceOf(ConnectionGate.Decision.Admit.class);
        assertThat(g.admit(ip("198.51.100.7"), IMAP)).isEqualTo(new ConnectionGate.Decision.Refuse("deny-list"));
        assertThat(g.checkLogin(ip("198.51.100.8"), "alice@example.test", IMAP).allowed()).isTrue();
    }

    @Test
    void accountNetworksFromTheFileWithReloadAndLineNumbers() throws Exception {
        Path conf = dir.resolve("config");
        Files.createDirectories(conf);
        Path f = conf.resolve(AccountNetworks.FILE);
        Files.writeString(f, """
                # alice only from the office
                alice@example.test 10.0.0.0/8, 2001:db8::/32
                garbage-line
                bob@example.test 999.1.1.1
                """);
        AccountNetworks n = new AccountNetworks(conf, Duration.ZERO);
        assertThat(n.problems()).extracting(p -> p.line()).containsExactly(3, 4);
        assertThat(n.problems().getFirst().file()).isEqualTo(AccountNetworks.FILE);
        assertThat(n.allows("Alice@Example.test", ip("10.1.2.3"))).isTrue();
        assertThat(n.allows("alice@example.test", ip("192.0.2.1"))).isFalse();
        assertThat(n.allows("bob@example.test", ip("192.0.2.1"))).as("bad line skipped: bob unlimited").isTrue();
        Files.writeString(f, "alice@example.test 192.0.2.0/24\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(n.allows("alice@example.test", ip("192.0.2.1"))).isTrue();
        assertThat(n.problems()).isEmpty();

        SecurityGate g = gate(GateConfig.defaults());
        assertThat(g.checkLogin(ip("10.0.0.1"), "alice@example.test", SMTP))
                .isEqualTo(new LoginDecision.Deny("account-network", false));
        assertThat(g.checkLogin(ip("192.0.2.9"), "alice@example.test", IMAP).allowed()).isTrue();
    }

    @Test
    void accountFailureLimiterSparesTheOwnersKnownIp() {
        GateConfig c = new GateConfig(List.of(), Duration.ofSeconds(5), Set.of(), List.of(), List.of(), Map.of(),
                Map.of(), List.of(), GateConfig.Ban.defaults(), 0, GateConfig.Rate.NONE, 3, Duration.ofMinutes(15),
                Duration.ofMinutes(5), Duration.ofSeconds(30));
        SecurityGate g = gate(c);
        EventBus bus = new EventBus();
        g.attach(bus);
        bus.emit(new Event.AuthSuccess(new Event.Origin("imap", "imap", "192.0.2.50"), "S", "alice@example.test", "PLAIN"));
        for (int i = 1; i <= 3; i++) { // distributed guessing: one try per IP, no IP reaches maxretry
            bus.emit(new Event.AuthFailure(new Event.Origin("smtp", "submission", "203.0.113." + i), "S",
                    "alice@example.test", "PLAIN", "bad-password"));
        }
        assertThat(g.checkLogin(ip("203.0.113.99"), "alice@example.test", SMTP))
                .isEqualTo(new LoginDecision.Deny("account-throttled", true));
        assertThat(g.checkLogin(ip("203.0.113.99"), "alice@example.test", IMAP).allowed()).isFalse();
        assertThat(g.checkLogin(ip("192.0.2.50"), "alice@example.test", SMTP).allowed()).as("owner's IP").isTrue();
        assertThat(g.checkLogin(ip("203.0.113.99"), "bob@example.test", SMTP).allowed()).isTrue();
        assertThat(g.bans().isBanned(ip("203.0.113.1"))).isFalse();
        clock.advance(Duration.ofMinutes(16));
        assertThat(g.checkLogin(ip("203.0.113.99"), "alice@example.test", SMTP).allowed()).isTrue();
        g.detach();
    }
}
