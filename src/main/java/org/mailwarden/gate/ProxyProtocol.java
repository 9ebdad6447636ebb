package org.mailwarden.gate;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the PROXY protocol header (HAProxy spec, versions 1 and 2) a trusted proxy sends before the client's
 * first byte. Reads exactly the header's bytes and not one more, so the protocol that runs next sees the
 * client's data from its first byte: version 1 byte by byte up to CRLF (at most 107 bytes), version 2 as a
 * 16-byte header and then exactly the announced length (at most {@link #MAX_V2_LENGTH}).
 */
public final class ProxyProtocol {

    /** Longest version 1 line including CRLF (spec 2.1). */
    public static final int MAX_V1_LENGTH = 107;
    /** Largest version 2 address block we accept: addresses (216 for AF_UNIX) plus a reasonable amount of TLVs. */
    public static final int MAX_V2_LENGTH = 1024;

    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyProtocol() {}

    /** Reads one header from {@code in}; the stream is then positioned on the client's first byte. */
    public static ProxyHeader read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new ProxyProtocolException("connection closed before the PROXY header");
        }
        if (first == 'P') {
            return readV1(in);
        }
        if (first == V2_SIGNATURE[0]) {
            return readV2(in);
        }
        throw new ProxyProtocolException("no PROXY header (first byte 0x" + Integer.toHexString(first) + ")");
    }

    private static ProxyHeader readV1(InputStream in) throws IOException {
        byte[] line = new byte[MAX_V1_LENGTH];
        line[0] = 'P';
        int n = 1;
        while (true) {
            if (n == MAX_V1_LENGTH) {
                throw new ProxyProtocolException("PROXY v1 header longer than " + MAX_V1_LENGTH + " bytes");
            }
            int c = in.read();
            if (c < 0) {
                throw new ProxyProtocolException("PROXY v1 header truncated");
            }
            line[n++] = (byte) c;
            if (c == '\n') {
                break;
            }
        }
        if (n < 2 || line[n - 2] != '\r') {
            throw new ProxyProtocolException("PROXY v1 header does not end with CRLF");
        }
        return parseV1(new String(line, 0, n - 2, StandardCharsets.US_ASCII));
    }

    /** Parses a version 1 line without its CRLF: "PROXY TCP4 src dst sport dport". */
    static ProxyHeader parseV1(String line) throws ProxyProtocolException {
        if (!line.startsWith("PROXY ")) {
            throw new ProxyProtocolException("not a PROXY v1 header");
        }
        String[] f = line.split(" ", -1);
        if (f.length >= 2 && f[1].equals("UNKNOWN")) {
            return new ProxyHeader(1, null, null); // the rest of the line is ignored (spec 2.1)
        }
        if (f.length != 6) {
            throw new ProxyProtocolException("PROXY v1 header needs 6 fields, has " + f.length);
        }
        boolean v6 = switch (f[1]) {
            case "TCP4" -> false;
            case "TCP6" -> true;
            default -> throw new ProxyProtocolException("PROXY v1 protocol '" + f[1] + "' is not TCP4, TCP6 or UNKNOWN");
        };
        InetAddress src = literal(f[2], v6);
        InetAddress dst = literal(f[3], v6);
        return new ProxyHeader(1, new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5])));
    }

    private static InetAddress literal(String s, boolean v6) throws ProxyProtocolException {
        boolean ok = v6 ? s.matches("[0-9A-Fa-f:.]{2,45}") && s.contains(":") : s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (ok) {
            try {
                InetAddress a = InetAddress.ofLiteral(s);
                if (v6 || a.getAddress().length == 4) {
                    return a;
                }
            } catch (IllegalArgumentException e) {
                // fall through
            }
        }
        throw new ProxyProtocolException("bad " + (v6 ? "IPv6" : "IPv4") + " address in PROXY v1 header");
    }

    private static int port(String s) throws ProxyProtocolException {
        if (!s.matches("0|[1-9]\\d{0,4}") || Integer.parseInt(s) > 65535) {
            throw new ProxyProtocolException("bad port '" + s + "' in PROXY v1 header");
        }
        return Integer.parseInt(s);
    }

    private static ProxyHeader readV2(InputStream in) throws IOException {
        byte[] head = new byte[16];
        head[0] = V2_SIGNATURE[0];
        readFully(in, head, 1, 15);
        if (!Arrays.equals(head, 0, 12, V2_SIGNATURE, 0, 12)) {
            throw new ProxyProtocolException("bad PROXY v2 signature");
        }
        int len = ((head[14] & 0xff) << 8) | (head[15] & 0xff);
        if (len > MAX_V2_LENGTH) {
            throw new ProxyProtocolException("PROXY v2 header announces " + len + " bytes, more than " + MAX_V2_LENGTH);
        }
        byte[] body = new byte[len];
        readFully(in, body, 0, len);
        return parseV2(head[12] & 0xff, head[13] & 0xff, body);
    }

    /** Parses a version 2 header from its version/command byte, family/transport byte and address block. */
    static ProxyHeader parseV2(int verCmd, int famProto, byte[] body) throws ProxyProtocolException {
        if ((verCmd >> 4) != 2) {
            throw new ProxyProtocolException("PROXY v2 header has version " + (verCmd >> 4));
        }
        int cmd = verCmd & 0x0f;
        if (cmd == 0) {
            return new ProxyHeader(2, null, null); // LOCAL: the proxy's own connection (health check)
        }
        if (cmd != 1) {
            throw new ProxyProtocolException("PROXY v2 command " + cmd + " is neither LOCAL nor PROXY");
        }
        int family = famProto >> 4;
        // the address block's size per family (spec 2.2): 2 x 4 + 4, 2 x 16 + 4, two 108-byte Unix paths
        int blockLen = switch (family) {
            case 0 -> 0; // AF_UNSPEC: no addresses
            case 1 -> 12;
            case 2 -> 36;
            case 3 -> 216;
            default -> throw new ProxyProtocolException("PROXY v2 address family " + family + " is unknown");
        };
        if (body.length < blockLen) {
            throw new ProxyProtocolException("PROXY v2 address block of " + body.length + " bytes, too short for "
                    + "address family " + family + " (" + blockLen + " bytes)");
        }
        if (family != 1 && family != 2) {
            return new ProxyHeader(2, null, null); // AF_UNSPEC, AF_UNIX: the connection's own addresses stand
        }
        int addrLen = family == 1 ? 4 : 16;
        try {
            InetAddress src = InetAddress.getByAddress(Arrays.copyOfRange(body, 0, addrLen));
            InetAddress dst = InetAddress.getByAddress(Arrays.copyOfRange(body, addrLen, 2 * addrLen));
            int sp = ((body[2 * addrLen] & 0xff) << 8) | (body[2 * addrLen + 1] & 0xff);
            int dp = ((body[2 * addrLen + 2] & 0xff) << 8) | (body[2 * addrLen + 3] & 0xff);
            return new ProxyHeader(2, new InetSocketAddress(src, sp), new InetSocketAddress(dst, dp));
        } catch (UnknownHostException e) {
            throw new ProxyProtocolException("bad address in PROXY v2 header");
        }
    }

    private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        try {
            int n = in.readNBytes(b, off, len);
            if (n < len) {
                throw new ProxyProtocolException("PROXY v2 header truncated");
            }
        } catch (EOFException e) {
            throw new ProxyProtocolException("PROXY v2 header truncated");
        }
    }

    /**
     * Encodes a version 1 header (tests, and a future outbound proxy client). With one IPv6 address of the two,
     * both are written as IPv6 (the IPv4 one as ::ffff:a.b.c.d), since the header names one protocol.
     */
    public static byte[] v1(InetSocketAddress src, InetSocketAddress dst) {
        boolean v6 = isV6(src, dst);
        return ("PROXY " + (v6 ? "TCP6 " : "TCP4 ") + text(src.getAddress(), v6) + " " + text(dst.getAddress(), v6)
                + " " + src.getPort() + " " + dst.getPort() + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Encodes a version 2 PROXY (or, with null addresses, LOCAL) header over TCP. */
    public static byte[] v2(InetSocketAddress src, InetSocketAddress dst) {
        if (src == null) {
            byte[] b = Arrays.copyOf(V2_SIGNATURE, 16);
            b[12] = 0x20;
            return b;
        }
        boolean v6 = isV6(src, dst);
        byte[] s = bytes(src.getAddress(), v6);
        byte[] d = bytes(dst.getAddress(), v6);
        int len = 2 * s.length + 4;
        byte[] b = Arrays.copyOf(V2_SIGNATURE, 16 + len);
        b[12] = 0x21;
        b[13] = (byte) (s.length == 4 ? 0x11 : 0x21);
        b[14] = (byte) (len >> 8);
        b[15] = (byte) len;
        System.arraycopy(s, 0, b, 16, s.length);
        System.arraycopy(d, 0, b, 16 + s.length, d.length);
        int p = 16 + 2 * s.length;
        b[p] = (byte) (src.getPort() >> 8);
        b[p + 1] = (byte) src.getPort();
        b[p + 2] = (byte) (dst.getPort() >> 8);
        b[p + 3] = (byte) dst.getPort();
        return b;
    }

    /**
     * Whether a header for these two addresses is IPv6. The parser itself can hand out a mixed pair: an AF_INET6
     * address in the IPv4-mapped range (::ffff:a.b.c.d) comes back from the JDK as an IPv4 address.
     */
    private static boolean isV6(InetSocketAddress src, InetSocketAddress dst) {
        return src.getAddress().getAddress().length == 16 || dst.getAddress().getAddress().length == 16;
    }

    private static byte[] bytes(InetAddress a, boolean v6) {
        byte[] b = a.getAddress();
        if (!v6 || b.length == 16) {
            return b;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(b, 0, mapped, 12, 4);
        return mapped;
    }

    private static String text(InetAddress a, boolean v6) {
        return v6 && a.getAddress().length == 4 ? "::ffff:" + a.getHostAddress() : a.getHostAddress();
    }
}
