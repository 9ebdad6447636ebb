package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;
import org.mailwarden.events.Event;
import org.mailwarden.support.MutableClock;

class BanEngineTest {

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    static Event.AuthFailure authFailure(String ip) {
        return new Event.AuthFailure(new Event.Origin("imap", "imap", ip), "S1", "alice@example.test", "PLAIN", "bad");
    }

    GateConfig.Ban config(int permanentAfter) {
        return new GateConfig.Ban(true, 5, Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(6),
                Duration.ofDays(1), permanentAfter, List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1")),
                GateConfig.parseWeights(""), false);
    }

    BanEngine engine(GateConfig.Ban c) {
        return new BanEngine(c, c.ignore(), dir.resolve("bans"), clock);
    }

    @Test
    void bansAfterMaxretryWithinFindtimeOnly() {
        BanEngine e = engine(config(0));
        for (int i = 0; i < 4; i++) {
            e.accept(authFailure("203.0.113.7"));
        }
        assertThat(e.isBanned(ip("203.0.113.7"))).isFalse();
        clock.advance(Duration.ofMinutes(11)); // the four fall out of the window
        e.accept(authFailure("203.0.113.7"));
        assertThat(e.isBanned(ip("203.0.113.7"))).isFalse();
        assertThat(e.failures(ip("203.0.113.7"))).isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            e.accept(authFailure("203.0.113.7"));
        }
        BanEngine.Ban b = e.banOf(ip("203.0.113.7")).orElseThrow();
        assertThat(b.reason()).isEqualTo("auth-failure");
        assertThat(b.count()).isEqualTo(1);
        assertThat(b.until()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(e.isBanned(ip("203.0.113.8"))).isFalse();
        clock.advance(Duration.ofMinutes(61));
        assertThat(e.isBanned(ip("203.0.113.7"))).as("expired").isFalse();
        assertThat(e.bans()).isEmpty();
    }

    @Test
    void weightsCountAndZeroWeightIsIgnored() {
        BanEngine e = engine(config(0));
        var o = new Event.Origin("smtp", "smtp", "198.51.100.4");
        for (int i = 0; i < 20; i++) {
            e.accept(new Event.ProtocolError(o, "S", 500, "bad")); // weight 0 by default
        }
        assertThat(e.isBanned(ip("198.51.100.4"))).isFalse();
        e.accept(new Event.Pregreet(o, "S")); // weight 5 = maxretry
        assertThat(e.banOf(ip("198.51.100.4")).orElseThrow().reason()).isEqualTo("pregreet");
    }

    @Test
    void recidiveDoublesUpToTheCapThenPermanent() {
        BanEngine e = engine(config(5));
        Duration[] expected = {Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4), Duration.ofHours(6)};
        for (Duration d : expected) {
            for (int i = 0; i < 5; i++) {
                e.accept(authFailure("203.0.113.9"));
            }
            BanEngine.Ban b = e.banOf(ip("203.0.113.9")).orElseThrow();
            assertThat(Duration.between(b.since(), b.until())).isEqualTo(d);
            clock.advance(d.plusMinutes(1));
            assertThat(e.isBanned(ip("203.0.113.9"))).isFalse();
        }
        for (int i = 0; i < 5; i++) {
            e.accept(authFailure("203.0.113.9"));
        }
        BanEngine.Ban fifth = e.banOf(ip("203.0.113.9")).orElseThrow();
        assertThat(fifth.permanent()).isTrue();
        assertThat(fifth.count()).isEqualTo(5);
        clock.advance(Duration.ofDays(365));
        assertThat(e.isBanned(ip("203.0.113.9"))).isTrue();
    }

    @Test
    void recidiveForgetsBansOutsideTheWindow() {
        BanEngine e = engine(config(0));
        e.ban(ip("203.0.113.10"), null, "manual");
        clock.advance(Duration.ofDays(2));
        BanEngine.Ban b = e.ban(ip("203.0.113.10"), null, "manual");
        assertThat(b.count()).isEqualTo(1);
        assertThat(Duration.between(b.since(), b.until())).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void ignoreListIsNeverBanned() {
        BanEngine e = engine(config(0));
        for (int i = 0; i < 50; i++) {
            e.accept(authFailure("127.0.0.1"));
            e.accept(authFailure("::1"));
        }
        assertThat(e.isBanned(ip("127.0.0.1"))).isFalse();
        assertThat(e.isBanned(ip("::1"))).isFalse();
        assertThatThrownBy(() -> e.ban(ip("127.0.0.5"), null, "manual")).hasMessageContaining("ignore list");
    }

    @Test
    void ipv6IsCountedAndBannedPerSlash64() {
        BanEngine e = engine(config(0));
        for (int i = 1; i <= 5; i++) {
            e.accept(authFailure("2001:db8:1:2::" + i)); // five addresses, one /64
        }
        assertThat(e.isBanned(ip("2001:db8:1:2:ffff::1"))).isTrue();
        assertThat(e.isBanned(ip("2001:db8:1:3::1"))).isFalse();
        assertThat(e.bans().getFirst().ip()).isEqualTo("2001:db8:1:2::/64");
    }

    @Test
    void bansPersistAndExpiredOnesAreDroppedAtLoad() throws Exception {
        BanEngine e = engine(config(0));
        e.ban(ip("203.0.113.20"), Duration.ofMinutes(30), "manual");
        e.ban(ip("203.0.113.21"), Duration.ofHours(3), "manual");
        e.ban(ip("2001:db8:5::1"), Duration.ofHours(3), "manual");
        assertThat(Files.readString(dir.resolve("bans"))).contains("203.0.113.20/32");
        assertThat(dir.resolve("bans.tmp")).doesNotExist();
        clock.advance(Duration.ofHours(1));
        BanEngine reloaded = engine(config(0));
        assertThat(reloaded.isBanned(ip("203.0.113.20"))).isFalse();
        assertThat(reloaded.isBanned(ip("203.0.113.21"))).isTrue();
        assertThat(reloaded.isBanned(ip("2001:db8:5::2"))).isTrue();
        assertThat(Files.readString(dir.resolve("bans"))).doesNotContain("ban 203.0.113.20/32");
        // history survives: the next ban of .21 is its second
        clock.advance(Duration.ofHours(3));
        assertThat(reloaded.ban(ip("203.0.113.21"), null, "manual").count()).isEqualTo(2);
        assertThat(reloaded.unban(ip("203.0.113.21"))).isTrue();
        assertThat(engine(config(0)).isBanned(ip("203.0.113.21"))).isFalse();
    }

    @Test
    void disabledEngineNeitherCountsNorEnforces() {
        BanEngine e = engine(config(0).withEnabled(false));
        for (int i = 0; i < 10; i++) {
            e.accept(authFailure("203.0.113.30"));
        }
        assertThat(e.isBanned(ip("203.0.113.30"))).isFalse();
        assertThatThrownBy(() -> e.ban(ip("203.0.113.30"), null, "manual")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void weightsSettingRejectsUnknownEvents() {
        assertThat(GateConfig.parseWeights("pregreet=1, auth-failure=2"))
                .containsEntry("pregreet", 1).containsEntry("auth-failure", 2).containsEntry("relay-denied", 1);
        assertThatThrownBy(() -> GateConfig.parseWeights("nosuch=1")).hasMessageContaining("unknown event");
        assertThat(Map.of()).isEmpty();
    }
}
