package org.mailwarden.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Client address helpers the mail checks share. */
public final class IpAddresses {
    private IpAddresses() {}

    /**
     * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports IPv4 clients) as the IPv4
     * address it is; any other address unchanged. SPF (RFC 7208 5) and iprev look such clients up as IPv4.
     */
    public static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address six) {
            byte[] b = six.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    return a; // four bytes are always an address
                }
            }
        }
        return a;
    }
}
