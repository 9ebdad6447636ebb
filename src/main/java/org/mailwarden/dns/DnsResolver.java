package org.mailwarden.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A small stub resolver over dnsjava: asks one recursive DNS server (configurable address and port, so tests
 * can use a loopback server) and classifies answers the way mail routing needs them.
 */
public final class DnsResolver {

    /** The outcome of a lookup: records, the name does not exist, no records of that type, or try later. */
    public sealed interface Answer<T> {
        record Found<T>(List<T> values) implements Answer<T> {}
        record NoSuchDomain<T>() implements Answer<T> {}
        record NoRecords<T>() implements Answer<T> {}
        record TempFailure<T>(String reason) implements Answer<T> {}
    }

    /** An MX host with its preference. */
    public record Mx(int preference, String host) {}

    private final SimpleResolver resolver;

    /** @param server host or host:port; empty = the first nameserver of the system configuration */
    public DnsResolver(String server, Duration timeout) throws IOException {
        InetSocketAddress addr;
        if (server == null || server.isBlank()) {
            List<InetSocketAddress> servers = ResolverConfig.getCurrentConfig().servers();
            addr = servers.isEmpty() ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 53) : servers.get(0);
        } else {
            String s = server.strip();
            String host = s;
            int port = 53;
            if (s.startsWith("[")) {
                int end = s.indexOf(']');
                host = s.substring(1, end);
                if (s.length() > end + 1 && s.charAt(end + 1) == ':') {
                    port = Integer.parseInt(s.substring(end + 2));
                }
            } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
                host = s.substring(0, s.indexOf(':'));
                port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            }
            addr = new InetSocketAddress(InetAddress.getByName(host), port);
        }
        this.resolver = new SimpleResolver(addr);
        this.resolver.setTimeout(timeout);
    }

    public InetSocketAddress server() {
        return resolver.getAddress();
    }

    /**
     * MX hosts ordered by preference (hosts of equal preference shuffled, RFC 5321 5.1). A null MX (RFC 7505,
     * a single MX of "." ) is returned as a single {@code Mx(0, "")}.
     */
    public Answer<Mx> mx(String domain) {
        Answer<Record> a = query(domain, Type.MX);
        if (!(a instanceof Answer.Found<Record> f)) {
            return cast(a);
        }
        Map<Integer, List<Mx>> byPref = new TreeMap<>();
        for (Record r : f.values()) {
            if (r instanceof MXRecord mx) {
                String host = mx.getTarget().toString(true);
                if (mx.getTarget().equals(Name.root)) {
                    host = "";
                }
                byPref.computeIfAbsent(mx.getPriority(), k -> new ArrayList<>()).add(new Mx(mx.getPriority(), host));
            }
        }
        List<Mx> out = new ArrayList<>();
        for (List<Mx> same : byPref.values()) {
            Collections.shuffle(same);
            out.addAll(same);
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    /** IPv4 then IPv6 addresses of a host. */
    public Answer<InetAddress> addresses(String host) {
        Answer<Record> v4 = query(host, Type.A);
        if (v4 instanceof Answer.NoSuchDomain<Record> || v4 instanceof Answer.TempFailure<Record>) {
            return cast(v4);
        }
        Answer<Record> v6 = query(host, Type.AAAA);
        List<InetAddress> out = new ArrayList<>();
        for (Answer<Record> a : List.of(v4, v6)) {
            if (a instanceof Answer.Found<Record> f) {
                for (Record r : f.values()) {
                    if (r instanceof ARecord ar) {
                        out.add(ar.getAddress());
                    } else if (r instanceof AAAARecord ar) {
                        out.add(ar.getAddress());
                    }
                }
            }
        }
        if (out.isEmpty() && v6 instanceof Answer.TempFailure<Record> t) {
            return new Answer.TempFailure<>(t.reason());
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    /** TXT strings of a name, each record's strings joined. */
    public Answer<String> txt(String name) {
        Answer<Record> a = query(name, Type.TXT);
        if (!(a instanceof Answer.Found<Record> f)) {
            return cast(a);
        }
        List<String> out = new ArrayList<>();
        for (Record r : f.values()) {
            if (r instanceof TXTRecord t) {
                out.add(String.join("", t.getStrings()));
            }
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    /** Records of the type in the answer section (CNAME chains are followed by the recursive server). */
    public Answer<Record> query(String name, int type) {
        Name n;
        try {
            n = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return new Answer.NoSuchDomain<>();
        }
        Message response;
        try {
            response = resolver.send(Message.newQuery(Record.newRecord(n, type, DClass.IN)));
        } catch (IOException e) {
            return new Answer.TempFailure<>("DNS lookup of " + name + " " + Type.string(type) + " failed: " + e);
        }
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return new Answer.NoSuchDomain<>();
        }
        if (rcode != Rcode.NOERROR) {
            return new Answer.TempFailure<>("DNS lookup of " + name + " " + Type.string(type) + ": "
                    + Rcode.string(rcode));
        }
        List<Record> out = new ArrayList<>();
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r.getType() == type) {
                out.add(r);
            }
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    @SuppressWarnings("unchecked")
    private static <A, B> Answer<B> cast(Answer<A> a) {
        return (Answer<B>) (Answer<?>) a;
    }
}
