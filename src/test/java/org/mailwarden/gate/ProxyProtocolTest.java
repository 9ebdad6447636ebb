package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProxyProtocolTest {

    private static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), port);
    }

    private static byte[] concat(byte[] a, String rest) {
        byte[] r = rest.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(a, a.length + r.length);
        System.arraycopy(r, 0, out, a.length, r.length);
        return out;
    }

    /** Parses and returns what is left in the stream: the header must be consumed exactly. */
    private static String rest(ByteArrayInputStream in) {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void v1Tcp4AndTheStreamStartsRightAfterTheHeader() throws IOException {
        var in = new ByteArrayInputStream("PROXY TCP4 203.0.113.7 192.0.2.1 56324 25\r\nEHLO x\r\n".getBytes());
        ProxyHeader h = ProxyProtocol.read(in);
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.source()).isEqualTo(addr("203.0.113.7", 56324));
        assertThat(h.destination()).isEqualTo(addr("192.0.2.1", 25));
        assertThat(rest(in)).isEqualTo("EHLO x\r\n");
    }

    @Test
    void v1Tcp6AndUnknown() throws IOException {
        ProxyHeader h = ProxyProtocol.read(new ByteArrayInputStream(
                "PROXY TCP6 2001:db8::7 2001:db8::1 4000 587\r\n".getBytes()));
        assertThat(h.source()).isEqualTo(addr("2001:db8::7", 4000));
        var in = new ByteArrayInputStream("PROXY UNKNOWN ffff:f...f:ffff 1 2 3\r\nX".getBytes());
        ProxyHeader u = ProxyProtocol.read(in);
        assertThat(u.hasClient()).isFalse();
        assertThat(rest(in)).isEqualTo("X");
    }

    @Test
    void v1GarbageTruncatedAndTooLongAreRefused() {
        for (String bad : new String[] {"EHLO x\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
                "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "PROXY TCP4 example.com 5.6.7.8 1 2\r\n",
                "PROXY TCP4 1.2.3.4 5.6.7.8 1 2", "", "PROXY TCP4 256.1.1.1 5.6.7.8 1 2\r\n"}) {
            assertThatThrownBy(() -> ProxyProtocol.read(new ByteArrayInputStream(bad.getBytes())))
                    .as(bad).isInstanceOf(ProxyProtocolException.class);
        }
        String longLine = "PROXY UNKNOWN " + "x".repeat(200) + "\r\n";
        var in = new ByteArrayInputStream(longLine.getBytes());
        assertThatThrownBy(() -> ProxyProtocol.read(in)).hasMessageContaining("longer than 107");
        assertThat(in.available()).as("stops reading at the limit").isEqualTo(longLine.length() - 107);
    }

    @Test
    void v2Inet4Inet6AndLocal() throws IOException {
        var in = new ByteArrayInputStream(concat(ProxyProtocol.v2(addr("198.51.100.9", 1234),
                addr("192.0.2.1", 25)), "EHLO"));
        ProxyHeader h = ProxyProtocol.read(in);
        assertThat(h.version()).isEqualTo(2);
        assertThat(h.source()).isEqualTo(addr("198.51.100.9", 1234));
        assertThat(rest(in)).isEqualTo("EHLO");

        ProxyHeader h6 = ProxyProtocol.read(new ByteArrayInputStream(
                ProxyProtocol.v2(addr("2001:db8:1:2::9", 5), addr("2001:db8::1", 465))));
        assertThat(h6.source()).isEqualTo(addr("2001:db8:1:2::9", 5));

        var local = new ByteArrayInputStream(concat(ProxyProtocol.v2(null, null), "Q"));
        assertThat(ProxyProtocol.read(local).hasClient()).isFalse();
        assertThat(rest(local)).isEqualTo("Q");
    }

    @Test
    void v2WithTlvsSkipsThemAndUnspecUsesThePeer() throws IOException {
        byte[] base = ProxyProtocol.v2(addr("198.51.100.9", 1234), addr("192.0.2.1", 25));
        byte[] tlv = {0x04, 0x00, 0x03, 'a', 'b', 'c'}; // PP2_TYPE_NOOP with 3 bytes
        byte[] b = Arrays.copyOf(base, base.length + tlv.length);
        System.arraycopy(tlv, 0, b, base.length, tlv.length);
        b[15] = (byte) (12 + tlv.length);
        var in = new ByteArrayInputStream(concat(b, "Z"));
        assertThat(ProxyProtocol.read(in).source().getAddress().getHostAddress()).isEqualTo("198.51.100.9");
        assertThat(rest(in)).isEqualTo("Z");

        byte[] unspec = ProxyProtocol.v2(null, null);
        unspec[12] = 0x21; // PROXY command, AF_UNSPEC
        assertThat(ProxyProtocol.read(new ByteArrayInputStream(unspec)).hasClient()).isFalse();
    }

    @Test
    void v2GarbageTruncatedAndTooLongAreRefused() {
        byte[] good = ProxyProtocol.v2(addr("198.51.100.9", 1234), addr("192.0.2.1", 25));
        byte[] badSig = good.clone();
        badSig[5] = 'X';
        byte[] badVersion = good.clone();
        badVersion[12] = 0x11;
        byte[] badCommand = good.clone();
        badCommand[12] = 0x2F;
        byte[] shortBlock = good.clone();
        shortBlock[13] = 0x21; // says INET6 but carries 12 bytes
        byte[] tooLong = good.clone();
        tooLong[14] = (byte) 0xFF;
        byte[][] bad = {badSig, badVersion, badCommand, shortBlock, tooLong, Arrays.copyOf(good, 20),
                Arrays.copyOf(good, 10)};
        for (byte[] b : bad) {
            assertThatThrownBy(() -> ProxyProtocol.read(new ByteArrayInputStream(b)))
                    .isInstanceOf(ProxyProtocolException.class);
        }
    }
}
