package org.mailwarden.srs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The address format against vectors postsrsd 1.10 (Debian's) gave for the secret "tops3cret" and SRS domain
 * example.test on 2026-12-02 (timestamp JV: day 20789, 20789 mod 1024 = 309 = 9*32+21); {@link PostsrsdComparisonTest}
 * asks a running postsrsd for today's.
 */
class SrsCodecTest {

    static final Instant DAY = Instant.parse("2026-12-02T12:00:00Z");
    final SrsCodec codec = new SrsCodec(List.of("tops3cret", "old-secret"));

    @Test
    void srs0AsPostsrsdWritesIt() {
        assertThat(SrsCodec.stamp(DAY)).isEqualTo("JV");
        assertThat(codec.forward("erin@remote.test", "example.test", DAY))
                .isEqualTo("SRS0=z/C/=JV=remote.test=erin@example.test");
        // case is kept in the address and ignored by the hash
        assertThat(codec.forward("Erin@Remote.TEST", "example.test", DAY))
                .isEqualTo("SRS0=z/C/=JV=Remote.TEST=Erin@example.test");
    }

    @Test
    void anotherForwardersAddressIsWrappedAsSrs1AndAnSrs1OneKeepsItsFirstForwarder() {
        assertThat(codec.forward("SRS0=abcd=AB=orig.test=user@fwd.test", "example.test", DAY))
                .isEqualTo("SRS1=OhKR=fwd.test==abcd=AB=orig.test=user@example.test");
        assertThat(codec.forward("SRS1=abcd=fwd.test==efgh=AB=orig.test=user@fwd2.test", "example.test", DAY))
                .isEqualTo("SRS1=rUq9=fwd.test==efgh=AB=orig.test=user@example.test");
    }

    @Test
    void reversesWithinTwentyOneDaysWithAnyCaseAndAnySecret() {
        String a = codec.forward("erin@remote.test", "example.test", DAY);
        assertThat(codec.reverse(a, DAY.plus(Duration.ofDays(21))))
                .isEqualTo(new SrsCodec.Reversal.Reversed("erin@remote.test"));
        assertThat(codec.reverse(a.toUpperCase(), DAY)).isEqualTo(new SrsCodec.Reversal.Reversed("ERIN@REMOTE.TEST"));
        assertThat(codec.reverse(a.toLowerCase(), DAY)).isInstanceOf(SrsCodec.Reversal.Reversed.class);
        assertThat(codec.reverse(a, DAY.plus(Duration.ofDays(22))))
                .isEqualTo(new SrsCodec.Reversal.Invalid("timestamp expired"));
        // signed with a secret that is now second in the list: still verifies; unknown secret: not
        SrsCodec rotated = new SrsCodec(List.of("new-secret", "tops3cret"));
        assertThat(rotated.reverse(a, DAY)).isEqualTo(new SrsCodec.Reversal.Reversed("erin@remote.test"));
        assertThat(new SrsCodec(List.of("other")).reverse(a, DAY))
                .isEqualTo(new SrsCodec.Reversal.Invalid("hash invalid"));
    }

    @Test
    void theTimestampWrapsAroundTheThousandTwentyFourDayCycle() {
        Instant cycleStart = Instant.ofEpochSecond(1024L * 86_400 * 20); // day 20480: stamp AA
        assertThat(SrsCodec.stamp(cycleStart)).isEqualTo("AA");
        String yesterday = codec.forward("erin@remote.test", "example.test", cycleStart.minus(Duration.ofDays(1)));
        assertThat(yesterday).contains("=77=");
        assertThat(codec.reverse(yesterday, cycleStart)).isInstanceOf(SrsCodec.Reversal.Reversed.class);
    }

    @Test
    void srs1ReversesToTheFirstForwardersSrs0Address() {
        String s1 = codec.forward("SRS0=abcd=AB=orig.test=user@fwd.test", "example.test", DAY);
        assertThat(codec.reverse(s1, DAY.plus(Duration.ofDays(400))))
                .isEqualTo(new SrsCodec.Reversal.Reversed("SRS0=abcd=AB=orig.test=user@fwd.test"));
        assertThat(codec.reverse("SRS1=XXXX=fwd.test==abcd=AB=orig.test=user@example.test", DAY))
                .isEqualTo(new SrsCodec.Reversal.Invalid("hash invalid"));
    }

    @Test
    void forgedOrBrokenAddressesAreInvalidAndOthersAreNotSrs() {
        assertThat(codec.reverse("SRS0=AAAA=JV=remote.test=erin@example.test", DAY))
                .isEqualTo(new SrsCodec.Reversal.Invalid("hash invalid"));
        assertThat(codec.reverse("SRS0=z/C/=JV=remote.test@example.test", DAY))
                .isEqualTo(new SrsCodec.Reversal.Invalid("malformed SRS0 address"));
        assertThat(codec.reverse("SRS0=z/C/=J1=remote.test=erin@example.test", DAY))
                .isEqualTo(new SrsCodec.Reversal.Invalid("malformed timestamp"));
        assertThat(codec.reverse("SRS2=z/C/=JV=remote.test=erin@example.test", DAY))
                .isEqualTo(new SrsCodec.Reversal.NotSrs());
        assertThat(codec.reverse("srs0.list@example.test", DAY)).isEqualTo(new SrsCodec.Reversal.NotSrs());
    }

    @Test
    void thePolicyLeavesLocalExcludedNullAndOwnSrsSendersAlone() {
        Srs srs = new Srs(codec, "example.test", List.of("excluded.test", ".sub.test"),
                Set.of("example.test", "example.org")::contains, Clock.fixed(DAY, ZoneOffset.UTC));
        assertThat(srs.outbound("")).isEmpty();
        assertThat(srs.outbound("olga@example.org")).isEqualTo("olga@example.org");
        assertThat(srs.outbound("x@Excluded.test")).isEqualTo("x@Excluded.test");
        assertThat(srs.outbound("x@a.sub.test")).isEqualTo("x@a.sub.test");
        assertThat(srs.outbound("x@sub.test")).startsWith("SRS0=").endsWith("=sub.test=x@example.test");
        assertThat(srs.outbound("x@notexcluded.test")).startsWith("SRS0=");
        String ours = srs.outbound("erin@remote.test");
        assertThat(ours).isEqualTo("SRS0=z/C/=JV=remote.test=erin@example.test");
        Srs elsewhere = new Srs(codec, "srs.example.net", List.of(), d -> false, Clock.fixed(DAY, ZoneOffset.UTC));
        assertThat(elsewhere.outbound(ours.replace("@example.test", "@other.test"))).isEqualTo(
                ours.replace("@example.test", "@other.test")); // a valid SRS address of ours: already rewritten
        assertThat(srs.reverse(ours.replace("@example.test", "@example.org"))).isEqualTo(new SrsCodec.Reversal.NotSrs());
        assertThat(srs.reverse(ours.replace("@example.test", "@EXAMPLE.TEST")))
                .isEqualTo(new SrsCodec.Reversal.Reversed("erin@remote.test"));
        assertThat(Srs.OFF.outbound("erin@remote.test")).isEqualTo("erin@remote.test");
    }
}
