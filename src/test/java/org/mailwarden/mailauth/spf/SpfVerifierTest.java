package org.mailwarden.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailwarden.dns.DnsBudget;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.support.TestDns;

/** SPF (RFC 7208) against a real DNS server on loopback: every result, broken records, limits, time bounds. */
class SpfVerifierTest {

    static final Clock FIXED = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

    TestDns dns;
    SpfVerifier spf;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDns();
        spf = verifier(SpfVerifier.Limits.RFC, Duration.ofSeconds(2));
    }

    @AfterEach
    void tearDown() throws Exception {
        dns.close();
    }

    SpfVerifier verifier(SpfVerifier.Limits limits, Duration timeout) throws Exception {
        return new SpfVerifier(new DnsResolver(dns.server(), timeout), limits, "mx.receiver.test", FIXED);
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    SpfOutcome check(String ip, String record) throws Exception {
        dns.remove("ex.com");
        dns.txt("ex.com", record);
        return verifier(SpfVerifier.Limits.RFC, Duration.ofSeconds(2)).checkMailFrom(ip(ip), "helo.test",
                "user@ex.com");
    }

    @ParameterizedTest
    @CsvSource({
        "v=spf1 +all, PASS", "v=spf1 -all, FAIL", "v=spf1 ~all, SOFTFAIL", "v=spf1 ?all, NEUTRAL",
        "v=spf1, NEUTRAL", "v=spf1 ip4:192.0.2.1 ip4:192.0.2.0/24 -all, PASS", "v=spf1 -ip4:192.0.2.0/24 +all, FAIL",
        "v=spf1 ip4:192.0.2.1/32 -all, FAIL", "v=spf1 ip4:0.0.0.0/0 -all, PASS", "v=spf1 ip6:::/0 -all, FAIL"})
    void everyQualifierGivesItsResult(String record, SpfResult expected) throws Exception {
        SpfOutcome o = check("192.0.2.7", record);
        assertThat(o.result()).isEqualTo(expected);
        assertThat(o.identity()).isEqualTo("mailfrom");
        assertThat(o.domain()).isEqualTo("ex.com");
        assertThat(o.problem()).isNull();
    }

    @Test
    void noneWithoutARecordOrDomain() throws Exception {
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "helo.test", "a@nowhere.test").result())
                .isEqualTo(SpfResult.NONE);
        dns.txt("txt.test", "some verification=123");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "helo.test", "a@txt.test").result()).isEqualTo(SpfResult.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user@bad..ex.com", "user@localhost", "user@[192.0.2.1]",
        "user@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ex.com", "user@", ""})
    void aMalformedDomainIsNoneWithoutAQuery(String sender) throws Exception {
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "", sender);
        assertThat(o.result()).isEqualTo(SpfResult.NONE);
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void heloIdentityAndNullSender() throws Exception {
        dns.txt("mail.ex.com", "v=spf1 ip4:192.0.2.25 -all");
        SpfOutcome helo = spf.checkHelo(ip("192.0.2.25"), "mail.ex.com");
        assertThat(helo).isEqualTo(new SpfOutcome(SpfResult.PASS, "helo", "mail.ex.com", null, null));
        SpfOutcome bounce = spf.checkMailFrom(ip("192.0.2.26"), "mail.ex.com", "<>");
        assertThat(bounce).isEqualTo(new SpfOutcome(SpfResult.FAIL, "mailfrom", "mail.ex.com", null, null));
        assertThat(spf.checkHelo(ip("192.0.2.25"), "[192.0.2.25]").result()).isEqualTo(SpfResult.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf1 foo -all", "v=spf1 ip4:192.0.2.0/33", "v=spf1 ip6:2001:db8::/129",
        "v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/024", "v=spf1 mx:/24", "v=spf1 ip4:192.0.2.256",
        "v=spf1 ip4:192.0.2.01", "v=spf1 ip6:192.0.2.1", "v=spf1 ip4:", "v=spf1 include:", "v=spf1 exists",
        "v=spf1 ptr/24", "v=spf1 all:x", "v=spf1 a:%{z}.ex.com", "v=spf1 a:%{d", "v=spf1 a:ex.com%",
        "v=spf1 a:%{d0}.ex.com", "v=spf1 a:%{d2x}.ex.com", "v=spf1 exists:%{c}.ex.com", "v=spf1 exists:%{t}.ex.com",
        "v=spf1 a:%q.ex.com", "v=spf1 include:localhost", "v=spf1 a:ex.123", "v=spf1 redirect=a.ex.com redirect=b.ex.com",
        "v=spf1 exp=a.ex.com exp=b.ex.com -all", "v=spf1 moo=%{", "v=spf1 +all \u00e9"})
    void aSyntaxErrorAnywhereIsAPermerror(String record) throws Exception {
        SpfOutcome o = check("192.0.2.7", record);
        assertThat(o.result()).as(record).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.problem()).isNotBlank();
    }

    @Test
    void twoSpfRecordsAreAPermerror() throws Exception {
        dns.txt("ex.com", "v=spf1 +all").txt("ex.com", "v=spf1 -all");
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "h.test", "u@ex.com");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.problem()).contains("2 SPF records");
    }

    @Test
    void elevenIncludesArePermerrorTenAreNot() throws Exception {
        for (int i = 1; i <= 11; i++) {
            dns.txt("i" + i + ".ex.com", "v=spf1 include:i" + (i + 1) + ".ex.com -all");
        }
        dns.txt("i12.ex.com", "v=spf1 +all");
        dns.txt("ten.ex.com", "v=spf1 include:i3.ex.com -all");     // i3..i12: 10 includes
        dns.txt("eleven.ex.com", "v=spf1 include:i2.ex.com -all");  // i2..i12: 11 includes
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "h.test", "u@ten.ex.com").result()).isEqualTo(SpfResult.PASS);
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "h.test", "u@eleven.ex.com");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.problem()).contains("more than 10");
    }

    @Test
    void aTenThousandStepIncludeChainStopsAtTheLimit() throws Exception {
        for (int i = 0; i < 10_000; i++) {
            dns.txt("s" + i + ".chain.test", "v=spf1 include:s" + (i + 1) + ".chain.test -all");
        }
        long t0 = System.nanoTime();
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "h.test", "u@s0.chain.test");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(dns.queries).hasSize(11); // the record and 10 includes: nothing past the limit
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void includeAndRedirectLoopsEndAtTheLimit() throws Exception {
        dns.txt("loop.ex.com", "v=spf1 include:loop.ex.com -all").txt("rloop.ex.com", "v=spf1 redirect=rloop.ex.com");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "h", "u@loop.ex.com").result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "h", "u@rloop.ex.com").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void elevenAMechanismsArePermerrorEvenWhenTheyResolve() throws Exception {
        StringBuilder r = new StringBuilder("v=spf1");
        for (int i = 0; i < 11; i++) {
            dns.a("a" + i + ".ex.com", "198.51.100.1");
            r.append(" a:a").append(i).append(".ex.com");
        }
        assertThat(check("192.0.2.1", r + " -all").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void theThirdVoidLookupIsAPermerror() throws Exception {
        assertThat(check("192.0.2.1", "v=spf1 exists:n1.ex.com mx:n2.ex.com -all").result())
                .isEqualTo(SpfResult.FAIL);
        SpfOutcome o = check("192.0.2.1", "v=spf1 exists:n1.ex.com mx:n2.ex.com a:n3.ex.com -all");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.problem()).contains("void");
    }

    @Test
    void moreThanTenMxNamesArePermerror() throws Exception {
        for (int i = 0; i < 11; i++) {
            dns.mx("many.ex.com", i, "m" + i + ".ex.com");
        }
        assertThat(check("192.0.2.1", "v=spf1 mx:many.ex.com -all").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void onlyTheFirstTenPtrNamesAreTried() throws Exception {
        for (int i = 0; i < 11; i++) {
            dns.ptr("192.0.2.50", "p" + i + ".ex.com");
        }
        dns.a("p10.ex.com", "192.0.2.50"); // only the 11th name confirms the address
        assertThat(check("192.0.2.50", "v=spf1 ptr -all").result()).isEqualTo(SpfResult.FAIL);
        dns.a("p3.ex.com", "192.0.2.50");
        assertThat(check("192.0.2.50", "v=spf1 ptr -all").result()).isEqualTo(SpfResult.PASS);
    }

    @Test
    void aPtrLookupErrorIsNoMatchNotTemperror() throws Exception {
        dns.servfail("51.2.0.192.in-addr.arpa");
        assertThat(check("192.0.2.51", "v=spf1 ptr ~all").result()).isEqualTo(SpfResult.SOFTFAIL);
    }

    @Test
    void theWorstCaseTheLimitsAllowFitsTheDefaultBudget() throws Exception {
        StringBuilder r = new StringBuilder("v=spf1");
        for (int m = 0; m < 10; m++) {
            for (int h = 0; h < 10; h++) {
                dns.mx("mx" + m + ".ex.com", h, "h" + h + ".mx" + m + ".ex.com");
                dns.a("h" + h + ".mx" + m + ".ex.com", "198.51.100." + (m * 10 + h));
            }
            r.append(" mx:mx").append(m).append(".ex.com");
        }
        SpfOutcome o = check("192.0.2.1", r + " -all");
        assertThat(o.result()).isEqualTo(SpfResult.FAIL);
        assertThat(dns.queries).hasSize(1 + 10 + 100);
    }

    @Test
    void servfailIsATemperror() throws Exception {
        dns.servfail("sf.ex.com");
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "h.test", "u@sf.ex.com");
        assertThat(o.result()).isEqualTo(SpfResult.TEMPERROR);
        assertThat(o.problem()).contains("SERVFAIL");
        dns.servfail("mxsf.ex.com");
        assertThat(check("192.0.2.1", "v=spf1 mx:mxsf.ex.com -all").result()).isEqualTo(SpfResult.TEMPERROR);
    }

    @Test
    void anUnansweredLookupIsATemperrorWithinTheTimeout() throws Exception {
        dns.silent("slow.ex.com");
        SpfVerifier quick = verifier(SpfVerifier.Limits.RFC, Duration.ofMillis(300));
        long t0 = System.nanoTime();
        SpfOutcome o = quick.checkMailFrom(ip("192.0.2.1"), "h.test", "u@slow.ex.com");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(o.result()).isEqualTo(SpfResult.TEMPERROR);
        assertThat(took).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void theCheckTimeLimitEndsAChainOfSlowLookups() throws Exception {
        // the resolver would wait 5 s for the silent include; the check's own limit is 600 ms in all
        dns.silent("slow.ex.com");
        dns.txt("t.ex.com", "v=spf1 include:slow.ex.com -all");
        SpfVerifier limited = verifier(new SpfVerifier.Limits(10, 2, 10, 10, 120, Duration.ofMillis(600)),
                Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        SpfOutcome o = limited.checkMailFrom(ip("192.0.2.1"), "h.test", "u@t.ex.com");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(o.result()).isEqualTo(SpfResult.TEMPERROR);
        assertThat(o.problem()).contains("time limit");
        assertThat(took).isLessThan(Duration.ofMillis(2000));
    }

    @Test
    void aSpentQueryBudgetIsAPermerror() throws Exception {
        dns.txt("b.ex.com", "v=spf1 include:b1.ex.com include:b2.ex.com include:b3.ex.com +all");
        for (int i = 1; i <= 3; i++) {
            dns.txt("b" + i + ".ex.com", "v=spf1 -all");
        }
        DnsBudget budget = DnsBudget.of(3, Duration.ofSeconds(10));
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "h.test", "u@b.ex.com", budget);
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.problem()).contains("budget");
        assertThat(dns.queries).hasSize(3);
    }

    @Test
    void aSixtyKilobyteRecordGivesAResult() throws Exception {
        StringBuilder r = new StringBuilder("v=spf1");
        while (r.length() < 60_000) {
            r.append(" ip4:198.51.100.").append(r.length() % 250);
        }
        assertThat(check("192.0.2.1", r + " -all").result()).isEqualTo(SpfResult.FAIL);
        assertThat(check("192.0.2.1", r + " ip4:192.0.2.1 -all").result()).isEqualTo(SpfResult.PASS);
        assertThat(check("192.0.2.1", r + " bad:x -all").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void ipv6AndMappedClients() throws Exception {
        dns.aaaa("ex6.com", "2001:db8::10").a("ex6.com", "192.0.2.10").txt("ex6.com", "v=spf1 a/32//120 -all");
        assertThat(spf.checkMailFrom(ip("2001:db8::ff"), "h", "u@ex6.com").result()).isEqualTo(SpfResult.PASS);
        assertThat(spf.checkMailFrom(ip("2001:db8::1:ff"), "h", "u@ex6.com").result()).isEqualTo(SpfResult.FAIL);
        InetAddress mapped = java.net.Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 10}, null);
        assertThat(spf.checkMailFrom(mapped, "h", "u@ex6.com").result()).isEqualTo(SpfResult.PASS);
    }

    @Test
    void aLongExpandedDomainIsTruncatedFromTheLeft() throws Exception {
        String l = "x".repeat(63);
        dns.a(l + "." + l + "." + l + ".long.ex.com", "127.0.0.2");
        dns.txt("ex.com", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.long.ex.com -all");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "h", l + "@ex.com").result()).isEqualTo(SpfResult.PASS);
    }

    /** The explanation a fail gets when exp= points at a TXT record holding {@code text}. */
    String explain(String ip, String sender, String text) throws Exception {
        try (TestDns z = new TestDns()) {
            String domain = sender.substring(sender.indexOf('@') + 1);
            z.txt(domain, "v=spf1 -all exp=explain._spf.%{d}").txt("explain._spf." + domain, text);
            SpfVerifier v = new SpfVerifier(new DnsResolver(z.server(), Duration.ofSeconds(2)),
                    SpfVerifier.Limits.RFC, "mx.receiver.test", FIXED);
            SpfOutcome o = v.checkMailFrom(ip(ip), "helo.ex.org", sender);
            assertThat(o.result()).isEqualTo(SpfResult.FAIL);
            return o.explanation();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // RFC 7208 7.4's examples
        "%{s}|strong-bad@email.example.com", "%{o}|email.example.com", "%{d}|email.example.com",
        "%{d4}|email.example.com", "%{d3}|email.example.com", "%{d2}|example.com", "%{d1}|com",
        "%{dr}|com.example.email", "%{d2r}|example.email", "%{l}|strong-bad", "%{l-}|strong.bad",
        "%{lr}|strong-bad", "%{lr-}|bad.strong", "%{l1r-}|strong",
        "%{ir}.%{v}._spf.%{d2}|3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2}|bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}|bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}|3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net|example.com.trusted-domains.example.net",
        // upper case letters are URL-encoded; the escapes; exp-only letters
        "%{S}|strong-bad%40email.example.com", "100%% sure%_now%-x|100% sure now%20x",
        "%{c} to %{r} at %{t} for %{h}|192.0.2.3 to mx.receiver.test at 1700000000 for helo.ex.org",
        "%{p}|unknown"})
    void macrosExpandAsTheRfcShows(String macro, String expected) throws Exception {
        assertThat(explain("192.0.2.3", "strong-bad@email.example.com", macro)).isEqualTo(expected);
    }

    @Test
    void ipv6Macros() throws Exception {
        assertThat(explain("2001:db8::cb01", "strong-bad@email.example.com", "%{ir}.%{v}._spf.%{d2} %{c}"))
                .isEqualTo("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
                        + " 2001:db8::cb01");
    }

    @Test
    void aBrokenExplanationIsIgnored() throws Exception {
        assertThat(explain("192.0.2.3", "a@ex.com", "bad %{x}")).isNull();
        dns.txt("ex.com", "v=spf1 -all exp=nothing.ex.com");
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), "h", "u@ex.com");
        assertThat(o).isEqualTo(new SpfOutcome(SpfResult.FAIL, "mailfrom", "ex.com", null, null));
    }

    @Test
    void includedExplanationsAreNotUsedRedirectedOnesAre() throws Exception {
        dns.txt("inc.ex.com", "v=spf1 -include:in.ex.com +all").txt("in.ex.com", "v=spf1 +all exp=e.ex.com")
                .txt("red.ex.com", "v=spf1 redirect=in2.ex.com exp=e.ex.com").txt("in2.ex.com", "v=spf1 -all exp=f.ex.com")
                .txt("e.ex.com", "outer").txt("f.ex.com", "inner");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "h", "u@inc.ex.com").explanation()).isNull();
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "h", "u@red.ex.com").explanation()).isEqualTo("inner");
    }
}
