package org.mailwarden.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.support.MutableClock;
import org.mailwarden.support.TestDns;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Type;

/** The caching resolver against a real DNS server on loopback, with a clock the tests move (no sleeping). */
class DnsResolverTest {

    TestDns dns;
    MutableClock clock;
    DnsResolver resolver;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDns();
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        resolver = new DnsResolver(dns.server(), DnsResolver.Options.defaults(Duration.ofSeconds(2)).withClock(clock));
    }

    @AfterEach
    void tearDown() throws Exception {
        dns.close();
    }

    long asked(String name, String type) {
        return dns.queries.stream().filter(q -> q.equalsIgnoreCase(name + ". " + type)).count();
    }

    /** The lookup gives {@code expected}, asks the server once within {@code ttl}, and again after it. */
    void assertCachedFor(Duration ttl, String name, String type, Class<?> expected) {
        int t = Type.value(type);
        assertThat(resolver.query(name, t, DnsBudget.unlimited())).isInstanceOf(expected);
        clock.advance(ttl.minusSeconds(1));
        assertThat(resolver.query(name.toUpperCase(java.util.Locale.ROOT) + ".", t, DnsBudget.unlimited()))
                .isInstanceOf(expected);
        assertThat(asked(name, type)).as("answered from the cache within the TTL").isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        resolver.query(name, t, DnsBudget.unlimited());
        assertThat(asked(name, type)).as("asked again after the TTL").isEqualTo(2);
    }

    @Test
    void positiveAnswersAreCachedForTheirTtl() throws Exception {
        dns.a("h.ex.com", "192.0.2.1"); // TTL 60
        assertCachedFor(Duration.ofSeconds(60), "h.ex.com", "A", Answer.Found.class);
    }

    @Test
    void ttlsAreCappedAtADay() throws Exception {
        dns.add(new ARecord(TestDns.name("long.ex.com"), DClass.IN, 7 * 86400, InetAddress.getByName("192.0.2.2")));
        assertCachedFor(Duration.ofDays(1), "long.ex.com", "A", Answer.Found.class);
    }

    @Test
    void nxdomainIsCachedForTheSoaMinimum() {
        dns.soa("ex.com", 3600, 30);
        assertCachedFor(Duration.ofSeconds(30), "missing.ex.com", "A", Answer.NoSuchDomain.class);
    }

    @Test
    void nodataIsCachedForTheSoaTtlWhenItIsSmaller() throws Exception {
        dns.soa("ex.com", 10, 300).a("v4only.ex.com", "192.0.2.3");
        assertCachedFor(Duration.ofSeconds(10), "v4only.ex.com", "AAAA", Answer.NoRecords.class);
    }

    @Test
    void negativeAnswersWithoutSoaAreCachedFiveMinutes() {
        assertCachedFor(Duration.ofMinutes(5), "nothing.ex.com", "TXT", Answer.NoSuchDomain.class);
    }

    @Test
    void servfailIsATempFailureAndNotCached() {
        dns.servfail("broken.ex.com");
        assertThat(resolver.txt("broken.ex.com", DnsBudget.unlimited())).isInstanceOf(Answer.TempFailure.class);
        assertThat(resolver.txt("broken.ex.com", DnsBudget.unlimited())).isInstanceOf(Answer.TempFailure.class);
        assertThat(asked("broken.ex.com", "TXT")).isEqualTo(2);
    }

    @Test
    void anUnansweredQueryEndsAtTheTimeout() throws Exception {
        dns.silent("slow.ex.com");
        DnsResolver r = new DnsResolver(dns.server(), Duration.ofMillis(300));
        long t0 = System.nanoTime();
        Answer<String> a = r.txt("slow.ex.com", DnsBudget.unlimited());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(a).isInstanceOf(Answer.TempFailure.class);
        assertThat(((Answer.TempFailure<String>) a).reason()).contains("slow.ex.com");
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void theBudgetDeadlineCutsAWaitShort() throws Exception {
        dns.silent("slow.ex.com");
        DnsResolver r = new DnsResolver(dns.server(), Duration.ofSeconds(10));
        DnsBudget budget = DnsBudget.of(100, Duration.ofMillis(300));
        long t0 = System.nanoTime();
        Answer<String> a = r.txt("slow.ex.com", budget);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(a).isInstanceOf(Answer.TempFailure.class);
        assertThat(took).isLessThan(Duration.ofMillis(1500));
        assertThat(budget.exceeded()).contains(DnsBudget.Limit.TIME);
        // spent: the next lookup does not even ask
        int before = dns.queries.size();
        assertThat(r.txt("other.ex.com", budget)).isInstanceOf(Answer.TempFailure.class);
        assertThat(dns.queries).hasSize(before);
    }

    @Test
    void theBudgetCountsQueriesNotCachedAnswers() throws Exception {
        dns.a("one.ex.com", "192.0.2.1").a("two.ex.com", "192.0.2.2").a("three.ex.com", "192.0.2.3");
        DnsBudget budget = DnsBudget.of(2, Duration.ofSeconds(10));
        assertThat(resolver.a("one.ex.com", budget)).isInstanceOf(Answer.Found.class);
        assertThat(resolver.a("one.ex.com", budget)).isInstanceOf(Answer.Found.class); // cached: free
        assertThat(resolver.a("two.ex.com", budget)).isInstanceOf(Answer.Found.class);
        Answer<InetAddress> third = resolver.a("three.ex.com", budget);
        assertThat(third).isInstanceOf(Answer.TempFailure.class);
        assertThat(((Answer.TempFailure<InetAddress>) third).reason()).contains("budget");
        assertThat(budget.exceeded()).contains(DnsBudget.Limit.QUERIES);
        assertThat(budget.used()).isEqualTo(2);
        assertThat(asked("three.ex.com", "A")).isZero();
    }

    @Test
    void theCacheHoldsAtMostItsSize() throws Exception {
        DnsResolver small = new DnsResolver(dns.server(),
                DnsResolver.Options.defaults(Duration.ofSeconds(2)).withClock(clock).withMaxEntries(10));
        for (int i = 0; i < 50; i++) {
            dns.a("h" + i + ".ex.com", "192.0.2." + i);
            small.a("h" + i + ".ex.com", DnsBudget.unlimited());
        }
        assertThat(small.cacheSize()).isEqualTo(10);
        small.a("h49.ex.com", DnsBudget.unlimited()); // recent: still cached
        assertThat(asked("h49.ex.com", "A")).isEqualTo(1);
        small.a("h0.ex.com", DnsBudget.unlimited()); // the oldest went first
        assertThat(asked("h0.ex.com", "A")).isEqualTo(2);
    }

    @Test
    void concurrentIdenticalQueriesShareOneOnTheWire() throws Exception {
        dns.silent("busy.ex.com");
        DnsResolver r = new DnsResolver(dns.server(), Duration.ofSeconds(3));
        AtomicInteger temp = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                if (r.txt("busy.ex.com", DnsBudget.unlimited()) instanceof Answer.TempFailure<String>) {
                    temp.incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(10));
        }
        assertThat(temp.get()).isEqualTo(50);
        assertThat(asked("busy.ex.com", "TXT")).isEqualTo(1);
    }

    @Test
    void cnamesAreFollowedWhenTheServerStopsAtThem() throws Exception {
        dns.chaseCnames(false).cname("alias.ex.com", "target.ex.com").a("target.ex.com", "192.0.2.9");
        Answer<InetAddress> a = resolver.a("alias.ex.com", DnsBudget.unlimited());
        assertThat(a).isEqualTo(new Answer.Found<>(List.of(InetAddress.getByName("192.0.2.9"))));
        assertThat(asked("alias.ex.com", "A")).isEqualTo(1);
        assertThat(asked("target.ex.com", "A")).isEqualTo(1);
        dns.chaseCnames(true).cname("alias2.ex.com", "target.ex.com");
        assertThat(resolver.a("alias2.ex.com", DnsBudget.unlimited())).isEqualTo(a);
        assertThat(asked("target.ex.com", "A")).isEqualTo(1); // the chain was in the answer
    }

    @Test
    void aCnameLoopIsATempFailure() {
        dns.chaseCnames(false).cname("loop1.ex.com", "loop2.ex.com").cname("loop2.ex.com", "loop1.ex.com");
        assertThat(resolver.txt("loop1.ex.com", DnsBudget.unlimited())).isInstanceOf(Answer.TempFailure.class);
    }

    @Test
    void aBigAnswerComesOverTcp() {
        dns.txt("big.ex.com", "x".repeat(60_000));
        Answer<String> a = resolver.txt("big.ex.com", DnsBudget.unlimited());
        assertThat(a).isInstanceOf(Answer.Found.class);
        assertThat(((Answer.Found<String>) a).values().get(0)).hasSize(60_000);
    }

    @Test
    void ptrAndMxAndAddresses() throws Exception {
        dns.ptr("192.0.2.44", "mail.ex.com").mx("ex.com", 20, "b.ex.com").mx("ex.com", 10, "a.ex.com")
                .a("a.ex.com", "192.0.2.1").aaaa("a.ex.com", "2001:db8::1").mx("null.ex.com", 0, ".");
        assertThat(resolver.ptr(InetAddress.getByName("192.0.2.44"), DnsBudget.unlimited()))
                .isEqualTo(new Answer.Found<>(List.of("mail.ex.com")));
        assertThat(resolver.mx("ex.com")).isEqualTo(new Answer.Found<>(List.of(new DnsResolver.Mx(10, "a.ex.com"),
                new DnsResolver.Mx(20, "b.ex.com"))));
        assertThat(resolver.mx("null.ex.com")).isEqualTo(new Answer.Found<>(List.of(new DnsResolver.Mx(0, ""))));
        assertThat(resolver.addresses("a.ex.com")).isEqualTo(new Answer.Found<>(List.of(
                InetAddress.getByName("192.0.2.1"), InetAddress.getByName("2001:db8::1"))));
        assertThat(resolver.query("a.ex.com", Type.A)).isInstanceOf(Answer.Found.class);
        assertThat(resolver.addresses("nope.ex.com")).isInstanceOf(Answer.NoSuchDomain.class);
    }
}
