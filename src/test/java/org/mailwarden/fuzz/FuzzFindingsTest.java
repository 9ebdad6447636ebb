package org.mailwarden.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.ByteArrayInputStream;
import java.lang.invoke.MethodHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mailwarden.gate.ProxyHeader;
import org.mailwarden.gate.ProxyProtocol;

/**
 * What the fuzz targets (or probing while writing them) found, kept as plain tests: each feeds the input that
 * broke a parser and checks that the parser now answers (a value, or its own documented error) instead of e.g.
 * overflowing the stack.
 */
class FuzzFindingsTest {

    /** A domain of 6,000 labels (12 KB): one line of a table, or of a header where lines may be that long. */
    private static final String DEEP_DOMAIN = "a.".repeat(6_000) + "example";

    private static final String ADDRESSES = "org.mailwarden.directory.Addresses";
    private static final MethodHandle IS_ADDRESS = Internals.method(ADDRESSES, "isAddress", 1);
    private static final MethodHandle PARSE_TABLES = Internals.method("org.mailwarden.directory.ConfigParser",
            "parse", 4);
    private static final MethodHandle PROBLEMS = Internals.method("org.mailwarden.directory.ConfigSnapshot",
            "problems", 0);

    /**
     * directory.Addresses checked a domain with "label(\.label)*", which java.util.regex matches recursively, one
     * level per label: from about 5,000 labels on, StackOverflowError came out of ConfigParser.parse (documented
     * never to throw: one such line in postfix-virtual.cf failed every reload, and so every lookup, instead of
     * being skipped) and out of the directory's lookups (spoof protection's check of a From address).
     */
    @Test
    void aDomainOfThousandsOfLabelsIsCheckedWithoutOverflowingTheStack() throws Throwable {
        assertThat((boolean) IS_ADDRESS.invoke("user@" + DEEP_DOMAIN)).isTrue();
        assertThat((boolean) IS_ADDRESS.invoke("user@" + DEEP_DOMAIN + "..org")).isFalse();
        assertThat((boolean) IS_ADDRESS.invoke("user@" + DEEP_DOMAIN + ".")).isFalse();

        Object snapshot = PARSE_TABLES.invoke("user@" + DEEP_DOMAIN + "|{PLAIN}secret\n",
                "alias@" + DEEP_DOMAIN + " user@" + DEEP_DOMAIN + "\n", "", Set.of());
        assertThat((List<?>) PROBLEMS.invoke(snapshot)).isEmpty();
        assertThat(snapshot.toString()).contains("alias@" + DEEP_DOMAIN);

        byte[] table = ("alias@" + DEEP_DOMAIN + " user@" + DEEP_DOMAIN + ".\n").getBytes(StandardCharsets.UTF_8);
        assertThatCode(() -> new ConfigFuzzTest().postfixTables(table)).doesNotThrowAnyException();
        byte[] header = ("From: user@" + DEEP_DOMAIN + "\r\nSubject: x\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        assertThatCode(() -> new AddressFuzzTest().header(header)).doesNotThrowAnyException();
    }

    /**
     * bench/fuzz.sh, proxy target: an AF_INET6 header whose destination is IPv4-mapped (::ffff:255.255.255.255)
     * parses into an IPv6 source and an IPv4 destination (the JDK unmaps), and ProxyProtocol.v2 and .v1 chose the
     * family from the source alone: v2 wrote the 4-byte destination into a 16-byte slot (read back as ffff:ffff::),
     * v1 wrote "TCP6 ... 255.255.255.255", which the parser refuses. Both now write such a pair as IPv6.
     */
    @Test
    void aMixedFamilyPairIsEncodedAsIpv6() throws Throwable {
        byte[] header = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a2126002a" + "20010db800008f0000000000000000b8"
                + "00000000000000000000ffffffffffff" + "ffff0000" + "000000000000");
        ProxyHeader h = ProxyProtocol.read(new ByteArrayInputStream(header));
        assertThat(h.source()).isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8:0:8f00::b8"), 65535));
        assertThat(h.destination()).isEqualTo(new InetSocketAddress(InetAddress.getByName("255.255.255.255"), 0));
        for (byte[] encoded : List.of(ProxyProtocol.v2(h.source(), h.destination()),
                ProxyProtocol.v1(h.source(), h.destination()))) {
            ProxyHeader again = ProxyProtocol.read(new ByteArrayInputStream(encoded));
            assertThat(again.source()).isEqualTo(h.source());
            assertThat(again.destination()).isEqualTo(h.destination());
        }
        assertThat(new String(ProxyProtocol.v1(h.destination(), h.source()), StandardCharsets.US_ASCII))
                .isEqualTo("PROXY TCP6 ::ffff:255.255.255.255 2001:db8:0:8f00:0:0:0:b8 0 65535\r\n");
        assertThatCode(() -> new ProxyProtocolFuzzTest().header(header)).doesNotThrowAnyException();
    }
}
