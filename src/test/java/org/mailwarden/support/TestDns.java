package org.mailwarden.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on the same port) serving test zones, built with
 * dnsjava's message classes. Unknown names get NXDOMAIN; known names without the type an empty NOERROR. A name can
 * be made to fail ({@link #servfail}) or to go unanswered ({@link #silent}), for temperror and timeout tests. A
 * negative answer carries the SOA of the closest enclosing zone added with {@link #soa} (RFC 2308 negative caching).
 * CNAMEs are followed inside the zones, as a recursive server does. Over UDP an answer larger than the client's payload size (512, or its EDNS0 size) is sent truncated (TC), so the
 * client asks again over TCP, as with a real server. Shared by every test that needs DNS (outbound routing, SPF,
 * DKIM, DMARC).
 */
public final class TestDns implements AutoCloseable {

    private final Map<Name, List<Record>> zone = new ConcurrentHashMap<>();
    private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final Set<Name> silent = ConcurrentHashMap.newKeySet();
    public final List<String> queries = new CopyOnWriteArrayList<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private volatile boolean running = true;
    private volatile boolean chaseCnames = true;

    public TestDns() throws IOException {
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int i = 0; i < 20 && t == null; i++) {
            u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try {
                t = new ServerSocket(u.getLocalPort(), 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                u.close();
            }
        }
        this.udp = u;
        this.tcp = t;
        Thread.ofVirtual().start(this::serveUdp);
        Thread.ofVirtual().start(this::serveTcp);
    }

    public int port() {
        return udp.getLocalPort();
    }

    public String server() {
        return "127.0.0.1:" + port();
    }

    public static Name name(String n) {
        try {
            return Name.fromString(n.endsWith(".") ? n : n + ".");
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Any record (dnsjava's types): CNAME, PTR, AAAA, SPF-type... */
    public TestDns add(Record r) {
        zone.computeIfAbsent(r.getName(), k -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    /** Removes every record of a name (it answers NXDOMAIN again). */
    public TestDns remove(String n) {
        zone.remove(name(n));
        return this;
    }

    /**
     * Whether answers follow CNAMEs inside the test zones, as a recursive server does (the default), or stop at the
     * CNAME, as an authority for another zone would (the client then asks for the target itself).
     */
    public TestDns chaseCnames(boolean chase) {
        chaseCnames = chase;
        return this;
    }

    /** Queries for this name get SERVFAIL. */
    public TestDns servfail(String n) {
        servfail.add(name(n));
        return this;
    }

    /** Queries for this name get no answer at all (the client times out). */
    public TestDns silent(String n) {
        silent.add(name(n));
        return this;
    }

    public TestDns aaaa(String host, String ip) throws IOException {
        add(new AAAARecord(name(host), DClass.IN, 60, InetAddress.getByName(ip)));
        return this;
    }

    public TestDns ptr(String ip, String host) throws IOException {
        add(new PTRRecord(ReverseMap.fromAddress(InetAddress.getByName(ip)), DClass.IN, 60, name(host)));
        return this;
    }

    public TestDns cname(String alias, String target) {
        add(new CNAMERecord(name(alias), DClass.IN, 60, name(target)));
        return this;
    }

    public TestDns mx(String domain, int pref, String host) {
        add(new MXRecord(name(domain), DClass.IN, 60, pref, host.equals(".") ? Name.root : name(host)));
        return this;
    }

    public TestDns a(String host, String ip) throws IOException {
        add(new ARecord(name(host), DClass.IN, 60, InetAddress.getByName(ip)));
        return this;
    }

    public TestDns txt(String host, String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += 255) {
            parts.add(value.substring(i, Math.min(value.length(), i + 255)));
        }
        add(new TXTRecord(name(host), DClass.IN, 60, parts));
        return this;
    }

    /** An SOA for a zone, with the TTL of the record and the negative TTL ("minimum") given in seconds. */
    public TestDns soa(String zoneName, long ttl, long minimum) {
        add(new SOARecord(name(zoneName), DClass.IN, ttl, name("ns." + zoneName), name("hostmaster." + zoneName),
                1, 3600, 600, 86400, minimum));
        return this;
    }

    private byte[] answer(byte[] query, boolean udp) {
        Message q;
        try {
            q = new Message(query);
        } catch (IOException e) {
            return null;
        }
        Record question = q.getQuestion();
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.AA);
        if (q.getHeader().getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        r.getHeader().setFlag(Flags.RA);
        if (question == null) {
            r.getHeader().setRcode(Rcode.FORMERR);
            return r.toWire();
        }
        r.addRecord(question, Section.QUESTION);
        queries.add(question.getName() + " " + org.xbill.DNS.Type.string(question.getType()));
        if (silent.contains(question.getName())) {
            return null;
        }
        if (servfail.contains(question.getName())) {
            r.getHeader().setRcode(Rcode.SERVFAIL);
            return r.toWire();
        }
        Name qname = question.getName();
        for (int hop = 0; hop < 8; hop++) {
            List<Record> records = zone.get(qname);
            if (records == null) {
                r.getHeader().setRcode(Rcode.NXDOMAIN);
                break;
            }
            Name next = null;
            for (Record rec : records) {
                if (rec.getType() == question.getType() || rec.getType() == org.xbill.DNS.Type.CNAME) {
                    r.addRecord(rec, Section.ANSWER);
                    if (rec instanceof CNAMERecord c && question.getType() != org.xbill.DNS.Type.CNAME) {
                        next = c.getTarget();
                    }
                }
            }
            if (next == null || !chaseCnames) {
                break;
            }
            qname = next;
        }
        if (r.getSection(Section.ANSWER).isEmpty()) {
            for (Name n = question.getName(); n.labels() > 1; n = new Name(n, 1)) {
                SOARecord soa = soaOf(n);
                if (soa != null) {
                    r.addRecord(soa, Section.AUTHORITY);
                    break;
                }
            }
        }
        byte[] wire = r.toWire();
        int max = q.getOPT() == null ? 512 : Math.max(512, q.getOPT().getPayloadSize());
        if (udp && wire.length > max) {
            Message tc = new Message(q.getHeader().getID());
            tc.getHeader().setFlag(Flags.QR);
            tc.getHeader().setFlag(Flags.AA);
            tc.getHeader().setFlag(Flags.TC);
            tc.addRecord(question, Section.QUESTION);
            return tc.toWire();
        }
        return wire;
    }

    private SOARecord soaOf(Name n) {
        List<Record> rs = zone.get(n);
        if (rs != null) {
            for (Record rec : rs) {
                if (rec instanceof SOARecord soa) {
                    return soa;
                }
            }
        }
        return null;
    }

    private void serveUdp() {
        byte[] buf = new byte[4096];
        while (running) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
                byte[] a = answer(q, true);
                if (a != null) {
                    udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serveTcp() {
        while (running) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().start(() -> {
                try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                        DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
                    while (true) {
                        int len = in.readUnsignedShort();
                        byte[] q = in.readNBytes(len);
                        byte[] a = answer(q, false);
                        if (a == null) {
                            return;
                        }
                        out.writeShort(a.length);
                        out.write(a);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // client done
                }
            });
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        udp.close();
        tcp.close();
    }
}
