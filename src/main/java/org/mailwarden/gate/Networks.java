package org.mailwarden.gate;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.mailwarden.config.Cidr;

/** Helpers over {@link Cidr} lists and the unit the ban engine works on (an IPv4 address or an IPv6 /64). */
public final class Networks {

    private Networks() {}

    public static boolean contains(List<Cidr> list, InetAddress ip) {
        for (Cidr c : list) {
            if (c.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it is; anything else unchanged. */
    public static InetAddress unmap(InetAddress ip) {
        byte[] a = ip.getAddress();
        if (ip instanceof Inet6Address && isV4Mapped(a)) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(a, 12, 16));
            } catch (UnknownHostException e) {
                return ip;
            }
        }
        return ip;
    }

    /** The network a ban covers: the IPv4 address itself (/32), or the IPv6 /64 (one customer's subnet). */
    public static Cidr banUnit(InetAddress ip) {
        InetAddress u = unmap(ip);
        return new Cidr(u.getAddress(), u instanceof Inet4Address ? 32 : 64);
    }

    /** "192.0.2.7" for an IPv4 unit, "2001:db8:1:2::/64" for an IPv6 one. */
    public static String display(Cidr unit) {
        try {
            InetAddress a = InetAddress.getByAddress(unit.network());
            if (unit.isIpv4() && unit.prefix() == 32) {
                return a.getHostAddress();
            }
            return compress(a.getHostAddress()) + "/" + unit.prefix();
        } catch (UnknownHostException e) {
            return unit.toString();
        }
    }

    /** Parses what an operator types (an address, or an IPv6 /64 as displayed) into a ban unit. */
    public static Cidr parseUnit(String text) {
        Cidr c = Cidr.parse(text);
        try {
            return banUnit(InetAddress.getByAddress(c.network()));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
    }

    /** Shortens the longest run of zero groups in an expanded IPv6 address ("2001:db8:0:0:0:0:0:0" to "2001:db8::"). */
    static String compress(String v6) {
        if (!v6.contains(":")) {
            return v6;
        }
        String[] g = v6.split(":", -1);
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < g.length; ) {
            if (g[i].equals("0")) {
                int j = i;
                while (j < g.length && g[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return v6;
        }
        String head = String.join(":", Arrays.copyOfRange(g, 0, bestStart));
        String tail = String.join(":", Arrays.copyOfRange(g, bestStart + bestLen, g.length));
        return head + "::" + tail;
    }

    private static boolean isV4Mapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
