package org.mailwarden.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "2001:db8::/48", or a single address).
 * Used by every access list, the trusted networks and the ban engine's ignore list.
 */
public record Cidr(byte[] network, int prefix) {

    public Cidr {
        network = network.clone();
        if (prefix < 0 || prefix > network.length * 8) {
            throw new IllegalArgumentException("prefix /" + prefix + " is out of range");
        }
        // keep only the network bits, so 10.1.2.3/8 equals 10.0.0.0/8
        for (int bit = prefix; bit < network.length * 8; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
    }

    /** Parses "a.b.c.d/n", "ipv6/n" or a bare address (a /32 or /128). Never does a DNS lookup. */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (addr.isEmpty() || !addr.matches("[0-9A-Fa-f:.\\[\\]]+")) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR network");
        }
        if (addr.startsWith("[") && addr.endsWith("]")) {
            addr = addr.substring(1, addr.length() - 1);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.ofLiteral(addr).getAddress(); // never a DNS lookup: "cafe" or "dead.beef" are refused
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR network");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
            }
        }
        return new Cidr(bytes, prefix);
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & 0xff);
    }

    /** Addresses in the network, as a power of two: 2^(bits - prefix). */
    public int hostBits() {
        return network.length * 8 - prefix;
    }

    /** Private, loopback, link-local or unique-local: not routable on the Internet. */
    public boolean isPrivate() {
        InetAddress first;
        try {
            first = InetAddress.getByAddress(network);
        } catch (UnknownHostException e) {
            return false;
        }
        if (isIpv4()) {
            int a = network[0] & 0xff;
            int b = network[1] & 0xff;
            boolean inPrivate = a == 10 && prefix >= 8 || a == 172 && (b & 0xf0) == 16 && prefix >= 12
                    || a == 192 && b == 168 && prefix >= 16 || a == 127 && prefix >= 8
                    || a == 169 && b == 254 && prefix >= 16 || a == 100 && (b & 0xc0) == 64 && prefix >= 10;
            return inPrivate;
        }
        boolean ula = (network[0] & 0xfe) == 0xfc && prefix >= 7;
        return ula || first.isLoopbackAddress() && prefix == 128 || first.isLinkLocalAddress() && prefix >= 10;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return "?/" + prefix;
        }
    }
}
