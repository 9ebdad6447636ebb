package org.mailwarden.mailauth.iprev;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailwarden.dns.DnsBudget;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.support.TestDns;

/** iprev (RFC 8601 3) against a real DNS server on loopback. */
class IprevTest {

    TestDns dns;
    Iprev iprev;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDns();
        iprev = new Iprev(new DnsResolver(dns.server(), Duration.ofMillis(500)));
    }

    @AfterEach
    void tearDown() throws Exception {
        dns.close();
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void aConfirmedNamePasses() throws Exception {
        dns.ptr("192.0.2.1", "mx.example.com").a("mx.example.com", "192.0.2.1");
        IprevOutcome o = iprev.check(ip("192.0.2.1"));
        assertThat(o).isEqualTo(new IprevOutcome(IprevResult.PASS, ip("192.0.2.1"), "mx.example.com", null));
        assertThat(o.authResults()).isEqualTo("iprev=pass policy.iprev=192.0.2.1 (mx.example.com)");
        assertThat(Iprev.rejectUnknownClient(o)).isEmpty();
        InetAddress mapped = java.net.Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 1}, null);
        assertThat(iprev.check(mapped).authResults()).isEqualTo(o.authResults()); // a dual-stack socket's IPv4
    }

    @Test
    void ipv6UsesAaaaAndAnyOfTheNamesMayConfirm() throws Exception {
        dns.ptr("2001:db8::25", "other.example.com").ptr("2001:db8::25", "mail6.example.com")
                .aaaa("other.example.com", "2001:db8::99").aaaa("mail6.example.com", "2001:db8::25")
                .a("mail6.example.com", "192.0.2.25");
        IprevOutcome o = iprev.check(ip("2001:db8::25"));
        assertThat(o.result()).isEqualTo(IprevResult.PASS);
        assertThat(o.name()).isEqualTo("mail6.example.com");
    }

    @Test
    void aNameNotResolvingBackFails() throws Exception {
        dns.ptr("192.0.2.2", "liar.example.com").a("liar.example.com", "192.0.2.200").ptr("192.0.2.3", "gone.test");
        IprevOutcome o = iprev.check(ip("192.0.2.2"));
        assertThat(o.result()).isEqualTo(IprevResult.FAIL);
        assertThat(o.name()).isNull();
        assertThat(Iprev.rejectUnknownClient(o)).hasValueSatisfying(r -> assertThat(r).startsWith("550 5.7.25 "));
        assertThat(iprev.check(ip("192.0.2.3")).result()).isEqualTo(IprevResult.FAIL); // forward NXDOMAIN
    }

    @Test
    void noPtrIsPermerror() throws Exception {
        IprevOutcome o = iprev.check(ip("192.0.2.4"));
        assertThat(o.result()).isEqualTo(IprevResult.PERMERROR);
        assertThat(o.authResults()).startsWith("iprev=permerror policy.iprev=192.0.2.4 (");
        assertThat(Iprev.rejectUnknownClient(o)).hasValueSatisfying(r -> assertThat(r).startsWith("550 "));
    }

    @Test
    void dnsTroubleIsTemperrorAnd450() throws Exception {
        dns.servfail("5.2.0.192.in-addr.arpa");
        IprevOutcome o = iprev.check(ip("192.0.2.5"));
        assertThat(o.result()).isEqualTo(IprevResult.TEMPERROR);
        assertThat(Iprev.rejectUnknownClient(o)).hasValueSatisfying(r -> assertThat(r).startsWith("450 4.7.25 "));

        dns.ptr("192.0.2.6", "slow.example.com").silent("slow.example.com");
        long t0 = System.nanoTime();
        assertThat(iprev.check(ip("192.0.2.6")).result()).isEqualTo(IprevResult.TEMPERROR);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2000));
    }

    @Test
    void atMostTenNamesAreLookedUp() throws Exception {
        for (int i = 0; i < 15; i++) {
            dns.ptr("192.0.2.7", "n" + i + ".example.com");
        }
        dns.a("n14.example.com", "192.0.2.7");
        DnsBudget budget = DnsBudget.of(50, Duration.ofSeconds(5));
        assertThat(iprev.check(ip("192.0.2.7"), budget).result()).isEqualTo(IprevResult.FAIL);
        assertThat(budget.used()).isEqualTo(11);
    }
}
