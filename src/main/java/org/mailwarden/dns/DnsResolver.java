package org.mailwarden.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A caching stub resolver over dnsjava: asks one recursive DNS server (configurable address and port, so tests can
 * use a loopback server) and classifies answers the way mail routing and the mail checks need them.
 *
 * <p>Answers are cached by name and type: positive ones for the smallest TTL of the records used (CNAMEs included),
 * negative ones (NXDOMAIN, NODATA) for the SOA's negative TTL, min(SOA TTL, SOA minimum) (RFC 2308 5), or
 * {@link Options#negativeTtl} when the server sends no SOA; every TTL is capped at {@link Options#maxTtl}.
 * Temporary failures (SERVFAIL, timeouts) are not cached. The cache holds at most {@link Options#maxEntries}
 * answers, least recently used dropped first. Concurrent identical queries share one query on the wire; no lock is
 * held while waiting for the network. Each query waits at most the timeout, and never past the caller's
 * {@link DnsBudget} deadline.
 */
public final class DnsResolver {

    private static final Logger LOG = Logger.getLogger(DnsResolver.class.getName());
    /** CNAME hops followed for one lookup (a loop or a longer chain is a temporary failure, as resolvers do). */
    static final int MAX_CNAME_HOPS = 8;

    /** The outcome of a lookup: records, the name does not exist, no records of that type, or try later. */
    public sealed interface Answer<T> {
        record Found<T>(List<T> values) implements Answer<T> {}
        record NoSuchDomain<T>() implements Answer<T> {}
        record NoRecords<T>() implements Answer<T> {}
        record TempFailure<T>(String reason) implements Answer<T> {}
    }

    /** An MX host with its preference. */
    public record Mx(int preference, String host) {}

    /**
     * Cache and timing settings.
     *
     * @param timeout     how long one query waits for its answer
     * @param maxTtl      the longest any answer is cached
     * @param negativeTtl how long NXDOMAIN/NODATA is cached when the answer carries no SOA
     * @param maxEntries  answers the cache holds at most
     * @param clock       the time TTLs are counted in (tests move it)
     */
    public record Options(Duration timeout, Duration maxTtl, Duration negativeTtl, int maxEntries, Clock clock) {
        public Options {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("DNS timeout must be positive, not " + timeout);
            }
            if (maxEntries < 0) {
                throw new IllegalArgumentException("DNS cache size must be 0 or more, not " + maxEntries);
            }
        }

        public static Options defaults(Duration timeout) {
            return new Options(timeout, Duration.ofDays(1), Duration.ofMinutes(5), 100_000, Clock.systemUTC());
        }

        public Options withClock(Clock c) {
            return new Options(timeout, maxTtl, negativeTtl, maxEntries, c);
        }

        public Options withMaxEntries(int n) {
            return new Options(timeout, maxTtl, negativeTtl, n, clock);
        }
    }

    /** What one query on the wire said about (name, type): a final answer, or an alias to follow. */
    private sealed interface Step {
        record Final(Answer<Record> answer) implements Step {}
        record Alias(Name target) implements Step {}
    }

    private record Key(String name, int type) {}

    private record Entry(Step step, long expiresMillis) {}

    private final SimpleResolver resolver;
    private final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Key, Entry> cache = new LinkedHashMap<>(256, 0.75f, true);
    private final Map<Key, CompletableFuture<Entry>> inflight = new ConcurrentHashMap<>();

    /** @param server host or host:port; empty = the first nameserver of the system configuration */
    public DnsResolver(String server, Duration timeout) throws IOException {
        this(server, Options.defaults(timeout));
    }

    /** @param server host or host:port; empty = the first nameserver of the system configuration */
    public DnsResolver(String server, Options options) throws IOException {
        this.options = options;
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
        this.resolver.setTimeout(options.timeout());
        // EDNS0 with the payload size of DNS Flag Day 2020: TXT-heavy answers fit in UDP; bigger ones come back
        // truncated and dnsjava asks again over TCP.
        this.resolver.setEDNS(0, 1232, 0, List.of());
    }

    public InetSocketAddress server() {
        return resolver.getAddress();
    }

    /** Answers in the cache now (expired ones included until they are asked for or pushed out). */
    public int cacheSize() {
        lock.lock();
        try {
            return cache.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * MX hosts ordered by preference (hosts of equal preference shuffled, RFC 5321 5.1). A null MX (RFC 7505,
     * a single MX of "." ) is returned as a single {@code Mx(0, "")}.
     */
    public Answer<Mx> mx(String domain) {
        return mx(domain, DnsBudget.unlimited());
    }

    public Answer<Mx> mx(String domain, DnsBudget budget) {
        Answer<Record> a = query(domain, Type.MX, budget);
        if (!(a instanceof Answer.Found<Record> f)) {
            return cast(a);
        }
        Map<Integer, List<Mx>> byPref = new TreeMap<>();
        for (Record r : f.values()) {
            if (r instanceof MXRecord mx) {
                String host = mx.getTarget().equals(Name.root) ? "" : mx.getTarget().toString(true);
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
        return addresses(host, DnsBudget.unlimited());
    }

    public Answer<InetAddress> addresses(String host, DnsBudget budget) {
        Answer<InetAddress> v4 = a(host, budget);
        if (v4 instanceof Answer.NoSuchDomain<InetAddress> || v4 instanceof Answer.TempFailure<InetAddress>) {
            return v4;
        }
        Answer<InetAddress> v6 = aaaa(host, budget);
        List<InetAddress> out = new ArrayList<>();
        for (Answer<InetAddress> a : List.of(v4, v6)) {
            if (a instanceof Answer.Found<InetAddress> f) {
                out.addAll(f.values());
            }
        }
        if (out.isEmpty() && v6 instanceof Answer.TempFailure<InetAddress> t) {
            return t;
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    /** IPv4 addresses (A records) of a name. */
    public Answer<InetAddress> a(String host, DnsBudget budget) {
        return addressesOf(query(host, Type.A, budget));
    }

    /** IPv6 addresses (AAAA records) of a name. */
    public Answer<InetAddress> aaaa(String host, DnsBudget budget) {
        return addressesOf(query(host, Type.AAAA, budget));
    }

    private static Answer<InetAddress> addressesOf(Answer<Record> a) {
        if (!(a instanceof Answer.Found<Record> f)) {
            return cast(a);
        }
        List<InetAddress> out = new ArrayList<>();
        for (Record r : f.values()) {
            switch (r) {
                case ARecord ar -> out.add(ar.getAddress());
                case AAAARecord ar -> out.add(ar.getAddress());
                default -> { } // dnsjava's open Record hierarchy: other types are not addresses
            }
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    /** TXT strings of a name, each record's strings joined. */
    public Answer<String> txt(String name) {
        return txt(name, DnsBudget.unlimited());
    }

    public Answer<String> txt(String name, DnsBudget budget) {
        Answer<Record> a = query(name, Type.TXT, budget);
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

    /** Host names (PTR records, without the final dot) of an address, from in-addr.arpa or ip6.arpa. */
    public Answer<String> ptr(InetAddress address, DnsBudget budget) {
        Answer<Record> a = lookup(ReverseMap.fromAddress(address), Type.PTR, budget);
        if (!(a instanceof Answer.Found<Record> f)) {
            return cast(a);
        }
        List<String> out = new ArrayList<>();
        for (Record r : f.values()) {
            if (r instanceof PTRRecord p) {
                out.add(p.getTarget().toString(true));
            }
        }
        return out.isEmpty() ? new Answer.NoRecords<>() : new Answer.Found<>(out);
    }

    /** Records of the type, CNAMEs followed, with no budget but the timeout (MX routing). */
    public Answer<Record> query(String name, int type) {
        return query(name, type, DnsBudget.unlimited());
    }

    /** Records of the type, CNAMEs followed (at most {@value #MAX_CNAME_HOPS} hops), within the budget. */
    public Answer<Record> query(String name, int type, DnsBudget budget) {
        Name n;
        try {
            n = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return new Answer.NoSuchDomain<>();
        }
        return lookup(n, type, budget);
    }

    private Answer<Record> lookup(Name start, int type, DnsBudget budget) {
        Name n = start;
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            Step s = step(n, type, budget);
            switch (s) {
                case Step.Final f -> {
                    return f.answer();
                }
                case Step.Alias a -> n = a.target();
            }
        }
        return new Answer.TempFailure<>("DNS lookup of " + start + " " + Type.string(type) + ": more than "
                + MAX_CNAME_HOPS + " CNAMEs");
    }

    /** One (name, type): from the cache, from a query already on the wire, or a new query. */
    private Step step(Name name, int type, DnsBudget budget) {
        Key key = new Key(name.toString().toLowerCase(Locale.ROOT), type);
        long now = options.clock().millis();
        lock.lock();
        try {
            Entry e = cache.get(key);
            if (e != null) {
                if (e.expiresMillis() > now) {
                    return e.step();
                }
                cache.remove(key);
            }
        } finally {
            lock.unlock();
        }
        String what = "DNS lookup of " + name + " " + Type.string(type);
        if (!budget.take()) {
            return new Step.Final(new Answer.TempFailure<>(what + ": DNS budget of the message spent ("
                    + budget.exceeded().map(DnsBudget.Limit::name).orElse("?").toLowerCase(Locale.ROOT) + ")"));
        }
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> f = inflight.putIfAbsent(key, mine);
        if (f == null) {
            f = mine;
            send(key, name, type, mine);
        }
        long waitNanos = Math.min(options.timeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(500),
                budget.remainingNanos());
        try {
            return f.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS).step();
        } catch (TimeoutException e) {
            if (budget.remainingNanos() <= 0) {
                budget.timeUp();
                return new Step.Final(new Answer.TempFailure<>(what + ": DNS time budget of the message spent"));
            }
            return new Step.Final(new Answer.TempFailure<>(what + " timed out"));
        } catch (ExecutionException e) {
            return new Step.Final(new Answer.TempFailure<>(what + " failed: " + e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Step.Final(new Answer.TempFailure<>(what + " interrupted"));
        }
    }

    /** Starts a query (returns at once); its answer is cached when it comes, and the in-flight mark removed. */
    private void send(Key key, Name name, int type, CompletableFuture<Entry> out) {
        String what = "DNS lookup of " + name + " " + Type.string(type);
        java.util.concurrent.CompletionStage<Message> sent;
        try {
            sent = resolver.sendAsync(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((m, err) -> {
            Entry e = new Entry(new Step.Final(new Answer.TempFailure<>(what + " failed")), 0);
            try {
                if (err != null) {
                    LOG.fine(() -> "event=dns-fail name=" + name + " type=" + Type.string(type) + " error=" + err);
                    e = new Entry(new Step.Final(new Answer.TempFailure<>(what + " failed: " + cause(err))), 0);
                } else {
                    e = classify(name, type, m, what);
                    remember(key, e);
                }
            } catch (RuntimeException ex) {
                e = new Entry(new Step.Final(new Answer.TempFailure<>(what + " failed: " + ex)), 0);
            } finally {
                inflight.remove(key, out);
                out.complete(e);
            }
        });
    }

    private void remember(Key key, Entry e) {
        if (e.expiresMillis() <= 0 || options.maxEntries() == 0) {
            return;
        }
        lock.lock();
        try {
            cache.put(key, e);
            while (cache.size() > options.maxEntries()) {
                cache.remove(cache.keySet().iterator().next());
            }
        } finally {
            lock.unlock();
        }
    }

    private static String cause(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof TimeoutException || c instanceof java.net.SocketTimeoutException ? "timed out"
                : c.toString();
    }

    /** Reads a response: records of the type (through the CNAMEs in it), an alias to follow, or a negative one. */
    private Entry classify(Name qname, int type, Message response, String what) {
        int rcode = response.getRcode();
        long now = options.clock().millis();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return new Entry(new Step.Final(new Answer.TempFailure<>(what + ": " + Rcode.string(rcode))), 0);
        }
        List<Record> answers = response.getSection(Section.ANSWER);
        long ttl = Long.MAX_VALUE;
        Name cur = qname;
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            List<Record> found = new ArrayList<>();
            CNAMERecord alias = null;
            for (Record r : answers) {
                if (r.getName().equals(cur) && r.getDClass() == DClass.IN) {
                    if (r.getType() == type) {
                        found.add(r);
                    } else if (r instanceof CNAMERecord c && type != Type.CNAME) {
                        alias = c;
                    }
                }
            }
            if (!found.isEmpty()) {
                for (Record r : found) {
                    ttl = Math.min(ttl, r.getTTL());
                }
                return entry(new Step.Final(new Answer.Found<>(found)), ttl, now);
            }
            if (alias == null) {
                break;
            }
            ttl = Math.min(ttl, alias.getTTL());
            cur = alias.getTarget();
        }
        if (!cur.equals(qname) && rcode == Rcode.NOERROR) {
            // the chain leaves the answer: ask for its end (a resolver that did not follow it, or an authority)
            return entry(new Step.Alias(cur), ttl, now);
        }
        long negative = options.negativeTtl().toSeconds();
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                negative = Math.min(soa.getTTL(), soa.getMinimum());
            }
        }
        Answer<Record> neg = rcode == Rcode.NXDOMAIN ? new Answer.NoSuchDomain<>() : new Answer.NoRecords<>();
        return entry(new Step.Final(neg), Math.min(ttl, negative), now);
    }

    private Entry entry(Step s, long ttlSeconds, long now) {
        long capped = Math.max(0, Math.min(ttlSeconds, options.maxTtl().toSeconds()));
        return new Entry(s, capped == 0 ? 0 : now + capped * 1000);
    }

    @SuppressWarnings("unchecked")
    private static <A, B> Answer<B> cast(Answer<A> a) {
        return (Answer<B>) (Answer<?>) a;
    }
}
