package org.mailwarden.mailauth.spf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;
import org.mailwarden.config.Cidr;
import org.mailwarden.dns.DnsBudget;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.dns.IpAddresses;
import org.mailwarden.mailauth.spf.SpfRecord.Directive;
import org.mailwarden.mailauth.spf.SpfRecord.Mechanism;

/**
 * SPF verification, check_host() of RFC 7208: record selection (4.5), every mechanism (5) and modifier (6),
 * macros (7), and the processing limits of 4.6.4: at most 10 terms that cause DNS lookups, 10 MX names per "mx",
 * 10 PTR names per "ptr" or %{p}, and 2 void lookups (each a permerror past the limit). Every DNS query goes through
 * a {@link DnsBudget}: a check never sends more than {@link Limits#maxQueries} queries nor runs past
 * {@link Limits#timeout} (then temperror, 4.6.4's time limit); no exception leaves it.
 */
public final class SpfVerifier {

    private static final Logger LOG = Logger.getLogger(SpfVerifier.class.getName());

    /**
     * The processing limits.
     *
     * @param dnsTerms    include, a, mx, ptr, exists and redirect evaluated per check (RFC 7208: 10)
     * @param voidLookups terms whose lookup found nothing (NXDOMAIN or no records) before permerror (RFC: 2)
     * @param mxNames     MX names per "mx" mechanism (RFC: 10; more is a permerror)
     * @param ptrNames    PTR names used per "ptr" or %{p} (RFC: 10; the rest are ignored)
     * @param maxQueries  DNS queries one check may send, when the caller gives no budget
     * @param timeout     how long one check may take, when the caller gives no budget (RFC: at least 20 s)
     */
    public record Limits(int dnsTerms, int voidLookups, int mxNames, int ptrNames, int maxQueries, Duration timeout) {
        /**
         * The limits of RFC 7208 4.6.4, with room for the queries they allow: the record, 10 terms of up to 11
         * queries each (an MX or PTR lookup and 10 address lookups), %{p} and exp= (the 4.6.4 worst case is 111).
         */
        public static final Limits RFC = new Limits(10, 2, 10, 10, 150, Duration.ofSeconds(20));
    }

    private final DnsResolver dns;
    private final Limits limits;
    private final String receiver;
    private final Clock clock;

    public SpfVerifier(DnsResolver dns) {
        this(dns, Limits.RFC, "unknown", Clock.systemUTC());
    }

    public SpfVerifier(DnsResolver dns, Limits limits) {
        this(dns, limits, "unknown", Clock.systemUTC());
    }

    /** @param receiver this host's name, for the %{r} macro of explanations */
    public SpfVerifier(DnsResolver dns, Limits limits, String receiver, Clock clock) {
        this.dns = dns;
        this.limits = limits;
        this.receiver = receiver == null || receiver.isBlank() ? "unknown" : receiver;
        this.clock = clock;
    }

    /** The budget a check uses when the caller gives none. */
    public DnsBudget newBudget() {
        return DnsBudget.of(limits.maxQueries(), limits.timeout());
    }

    /**
     * The "MAIL FROM" identity (RFC 7208 2.4): the domain of the reverse-path; a null reverse-path ("" or "<>")
     * is checked as postmaster@helo.
     */
    public SpfOutcome checkMailFrom(InetAddress ip, String helo, String mailFrom) {
        return checkMailFrom(ip, helo, mailFrom, newBudget());
    }

    public SpfOutcome checkMailFrom(InetAddress ip, String helo, String mailFrom, DnsBudget budget) {
        String from = mailFrom == null ? "" : mailFrom.strip();
        if (from.startsWith("<") && from.endsWith(">")) {
            from = from.substring(1, from.length() - 1);
        }
        String sender = from.isEmpty() ? "postmaster@" + (helo == null ? "" : helo) : from;
        return check(ip, domainOf(sender), sender, helo, "mailfrom", budget);
    }

    /** The "HELO" identity (RFC 7208 2.3): the HELO/EHLO name, sender postmaster@helo. */
    public SpfOutcome checkHelo(InetAddress ip, String helo) {
        return checkHelo(ip, helo, newBudget());
    }

    public SpfOutcome checkHelo(InetAddress ip, String helo, DnsBudget budget) {
        String h = helo == null ? "" : helo;
        return check(ip, h, "postmaster@" + h, h, "helo", budget);
    }

    /** check_host(ip, domain, sender) of RFC 7208 4, for the "mailfrom" identity. */
    public SpfOutcome checkHost(InetAddress ip, String domain, String sender, String helo, DnsBudget budget) {
        return check(ip, domain, sender, helo, "mailfrom", budget);
    }

    private SpfOutcome check(InetAddress ip, String domain, String sender, String helo, String identity,
            DnsBudget budget) {
        String d = stripDot(domain == null ? "" : domain).toLowerCase(Locale.ROOT);
        Check c = new Check(IpAddresses.unmapped(ip), sender, helo == null ? "" : helo, budget);
        SpfOutcome out;
        try {
            Result r = c.checkHost(d, false);
            out = new SpfOutcome(r.result(), identity, d, r.explanation(), null);
        } catch (SpfException e) {
            out = new SpfOutcome(e.result(), identity, d, null, e.getMessage());
        } catch (RuntimeException e) { // a bug must not take the SMTP session with it: try again later
            LOG.warning("event=spf-error domain=" + d + " error=\"" + e + "\"");
            out = new SpfOutcome(SpfResult.TEMPERROR, identity, d, null, "internal error: " + e);
        }
        SpfOutcome o = out;
        LOG.fine(() -> "event=spf identity=" + identity + " domain=" + o.domain() + " ip=" + ip.getHostAddress()
                + " result=" + o.result().keyword() + " terms=" + c.terms + " queries=" + budget.used()
                + (o.problem() == null ? "" : " problem=\"" + o.problem() + "\""));
        return out;
    }

    private record Result(SpfResult result, String explanation) {}

    /** The state of one evaluation: the counters of 4.6.4 are shared by every include and redirect. */
    private final class Check {
        final InetAddress ip;
        final String sender;
        final String local;
        final String senderDomain;
        final String helo;
        final DnsBudget budget;
        int terms;
        int voids;
        String validatedName; // %{p}, looked up once

        Check(InetAddress ip, String sender, String helo, DnsBudget budget) {
            this.ip = ip;
            this.sender = sender;
            int at = sender.lastIndexOf('@');
            String l = at < 0 ? "" : sender.substring(0, at);
            this.local = l.isEmpty() ? "postmaster" : l;
            this.senderDomain = at < 0 ? sender : sender.substring(at + 1);
            this.helo = helo;
            this.budget = budget;
        }

        Result checkHost(String domain, boolean included) throws SpfException {
            if (!validDomain(domain)) {
                return new Result(SpfResult.NONE, null);
            }
            SpfRecord record = select(domain);
            if (record == null) {
                return new Result(SpfResult.NONE, null);
            }
            for (Directive d : record.directives()) {
                if (matches(d.mechanism(), domain)) {
                    SpfResult res = d.qualifier().result();
                    String exp = res == SpfResult.FAIL && !included && record.exp() != null
                            ? explanation(record.exp(), domain) : null;
                    return new Result(res, exp);
                }
            }
            if (record.redirect() != null) {
                countTerm("redirect");
                String target = target(record.redirect(), domain);
                Result r = validDomain(target) ? checkHost(target, included) : new Result(SpfResult.NONE, null);
                if (r.result() == SpfResult.NONE) {
                    throw SpfException.perm("redirect=" + target + " has no SPF record");
                }
                return r;
            }
            return new Result(SpfResult.NEUTRAL, null);
        }

        /** The one SPF record of a domain (4.4, 4.5), null for none. */
        private SpfRecord select(String domain) throws SpfException {
            Answer<String> txt = dns.txt(domain, budget);
            List<String> spf = new ArrayList<>();
            switch (txt) {
                case Answer.Found<String> f -> {
                    for (String s : f.values()) {
                        if (SpfRecord.isSpf(s)) {
                            spf.add(s);
                        }
                    }
                }
                case Answer.NoSuchDomain<String> n -> {
                    return null;
                }
                case Answer.NoRecords<String> n -> {
                    return null;
                }
                case Answer.TempFailure<String> t -> throw dnsError(t);
            }
            if (spf.isEmpty()) {
                return null;
            }
            if (spf.size() > 1) {
                throw SpfException.perm(domain + " has " + spf.size() + " SPF records (one is allowed)");
            }
            return SpfRecord.parse(spf.get(0));
        }

        private boolean matches(Mechanism m, String domain) throws SpfException {
            return switch (m) {
                case Mechanism.All a -> true;
                case Mechanism.Ip n -> n.network().contains(ip);
                case Mechanism.Include inc -> {
                    countTerm("include");
                    String target = target(inc.domain(), domain);
                    Result r = validDomain(target) ? checkHost(target, true) : new Result(SpfResult.NONE, null);
                    yield switch (r.result()) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case NONE -> throw SpfException.perm("include:" + target + " has no SPF record");
                        case TEMPERROR, PERMERROR -> throw SpfException.perm("include:" + target + " failed");
                    };
                }
                case Mechanism.A a -> {
                    countTerm("a");
                    String target = a.domain() == null ? domain : target(a.domain(), domain);
                    yield anyInNetwork(addresses(target, true), a.cidr4(), a.cidr6());
                }
                case Mechanism.Mx mx -> {
                    countTerm("mx");
                    String target = mx.domain() == null ? domain : target(mx.domain(), domain);
                    yield mx(target, mx.cidr4(), mx.cidr6());
                }
                case Mechanism.Ptr p -> {
                    countTerm("ptr");
                    String target = p.domain() == null ? domain : target(p.domain(), domain);
                    String t = target.toLowerCase(Locale.ROOT);
                    boolean found = false;
                    for (String name : validatedNames(true)) {
                        String n = name.toLowerCase(Locale.ROOT);
                        if (n.equals(t) || n.endsWith("." + t)) {
                            found = true;
                            break;
                        }
                    }
                    yield found;
                }
                case Mechanism.Exists e -> {
                    countTerm("exists");
                    String target = target(e.domain(), domain);
                    if (!validDomain(target)) {
                        yield false;
                    }
                    Answer<InetAddress> a = dns.a(target, budget);
                    yield switch (a) {
                        case Answer.Found<InetAddress> f -> true;
                        case Answer.NoSuchDomain<InetAddress> n -> voidLookup(target);
                        case Answer.NoRecords<InetAddress> n -> voidLookup(target);
                        case Answer.TempFailure<InetAddress> t -> throw dnsError(t);
                    };
                }
            };
        }

        private boolean mx(String target, int cidr4, int cidr6) throws SpfException {
            if (!validDomain(target)) {
                return false;
            }
            List<DnsResolver.Mx> hosts = switch (dns.mx(target, budget)) {
                case Answer.Found<DnsResolver.Mx> f -> f.values();
                case Answer.NoSuchDomain<DnsResolver.Mx> n -> List.of();
                case Answer.NoRecords<DnsResolver.Mx> n -> List.of();
                case Answer.TempFailure<DnsResolver.Mx> t -> throw dnsError(t);
            };
            if (hosts.isEmpty()) {
                voidLookup(target);
                return false;
            }
            if (hosts.size() > limits.mxNames()) {
                throw SpfException.perm(target + " has " + hosts.size() + " MX names (at most " + limits.mxNames()
                        + " are looked up, RFC 7208 4.6.4)");
            }
            for (DnsResolver.Mx h : hosts) {
                if (!h.host().isEmpty() && anyInNetwork(addresses(h.host(), false), cidr4, cidr6)) {
                    return true;
                }
            }
            return false;
        }

        /** A or AAAA (as the client's address) of a name; a void lookup counts when {@code term} is set. */
        private List<InetAddress> addresses(String name, boolean term) throws SpfException {
            if (!validDomain(name)) {
                return List.of();
            }
            Answer<InetAddress> a = ip instanceof Inet4Address ? dns.a(name, budget) : dns.aaaa(name, budget);
            return switch (a) {
                case Answer.Found<InetAddress> f -> f.values();
                case Answer.NoSuchDomain<InetAddress> n -> {
                    if (term) {
                        voidLookup(name);
                    }
                    yield List.of();
                }
                case Answer.NoRecords<InetAddress> n -> {
                    if (term) {
                        voidLookup(name);
                    }
                    yield List.of();
                }
                case Answer.TempFailure<InetAddress> t -> throw dnsError(t);
            };
        }

        private boolean anyInNetwork(List<InetAddress> addrs, int cidr4, int cidr6) {
            for (InetAddress a : addrs) {
                InetAddress n = IpAddresses.unmapped(a);
                if (n.getClass() == ip.getClass()
                        && new Cidr(n.getAddress(), n instanceof Inet4Address ? cidr4 : cidr6).contains(ip)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The client's validated names (5.5): of its first PTR names, those whose addresses include it. DNS errors
         * make the mechanism not match (the PTR lookup) or skip a name (its address lookups).
         */
        private List<String> validatedNames(boolean term) throws SpfException {
            Answer<String> ptr = dns.ptr(ip, budget);
            List<String> names = switch (ptr) {
                case Answer.Found<String> f -> f.values();
                case Answer.NoSuchDomain<String> n -> {
                    if (term) {
                        voidLookup("PTR of " + ip.getHostAddress());
                    }
                    yield List.of();
                }
                case Answer.NoRecords<String> n -> {
                    if (term) {
                        voidLookup("PTR of " + ip.getHostAddress());
                    }
                    yield List.of();
                }
                case Answer.TempFailure<String> t -> {
                    budgetSpent(t);
                    yield List.of();
                }
            };
            List<String> out = new ArrayList<>();
            for (String name : names.subList(0, Math.min(names.size(), limits.ptrNames()))) {
                if (!validDomain(name)) {
                    continue;
                }
                Answer<InetAddress> a = ip instanceof Inet4Address ? dns.a(name, budget) : dns.aaaa(name, budget);
                if (a instanceof Answer.Found<InetAddress> f && anyInNetwork(f.values(), 32, 128)) {
                    out.add(name);
                } else if (a instanceof Answer.TempFailure<InetAddress> t) {
                    budgetSpent(t);
                }
            }
            return out;
        }

        private boolean voidLookup(String name) throws SpfException {
            if (++voids > limits.voidLookups()) {
                throw SpfException.perm("more than " + limits.voidLookups() + " void DNS lookups (the last: " + name
                        + "), RFC 7208 4.6.4");
            }
            return false;
        }

        private void countTerm(String term) throws SpfException {
            if (++terms > limits.dnsTerms()) {
                throw SpfException.perm("more than " + limits.dnsTerms() + " DNS-querying terms (include, a, mx, "
                        + "ptr, exists, redirect) at " + term + ", RFC 7208 4.6.4");
            }
        }

        /** A DNS error: temperror (5), unless the message's DNS budget ran out. */
        private SpfException dnsError(Answer.TempFailure<?> t) {
            return budget.exceeded().map(l -> switch (l) {
                case QUERIES -> SpfException.perm("DNS query budget spent (" + budget.used() + " queries): "
                        + t.reason());
                case TIME -> SpfException.temp("time limit of the SPF check reached: " + t.reason());
            }).orElseGet(() -> SpfException.temp(t.reason()));
        }

        /** Where a DNS error is not an error (ptr), running out of budget still is. */
        private void budgetSpent(Answer.TempFailure<?> t) throws SpfException {
            if (budget.exceeded().isPresent()) {
                throw dnsError(t);
            }
        }

        /** A domain-spec expanded, truncated from the left to 253 characters (4.8). */
        private String target(SpfMacro spec, String domain) throws SpfException {
            String s = stripDot(spec.expand(letter -> value(letter, domain)));
            while (s.length() > 253 && s.indexOf('.') >= 0) {
                s = s.substring(s.indexOf('.') + 1);
            }
            return s;
        }

        private String explanation(SpfMacro exp, String domain) {
            try {
                String target = target(exp, domain);
                if (!validDomain(target)) {
                    return null;
                }
                if (!(dns.txt(target, budget) instanceof Answer.Found<String> f) || f.values().size() != 1) {
                    return null;
                }
                String text = f.values().get(0);
                String expanded = SpfMacro.parse(text, true).expand(letter -> value(letter, domain));
                return expanded.length() > 1000 ? expanded.substring(0, 1000) : expanded;
            } catch (SpfException e) {
                return null; // 6.2: any problem with exp= is as if there were none
            }
        }

        private String value(char letter, String domain) throws SpfException {
            return switch (letter) {
                case 's' -> sender;
                case 'l' -> local;
                case 'o' -> senderDomain;
                case 'd' -> domain;
                case 'i' -> dotted(ip);
                case 'c' -> readable(ip);
                case 'v' -> ip instanceof Inet4Address ? "in-addr" : "ip6";
                case 'h' -> helo;
                case 'r' -> receiver;
                case 't' -> Long.toString(clock.instant().getEpochSecond());
                case 'p' -> validatedName(domain);
                default -> throw SpfException.perm("unknown macro letter " + letter);
            };
        }

        /** %{p} (7.3): a validated name of the client, the domain itself or a subdomain preferred. */
        private String validatedName(String domain) throws SpfException {
            if (validatedName == null) {
                List<String> names = validatedNames(false);
                String best = null;
                for (String n : names) {
                    String l = n.toLowerCase(Locale.ROOT);
                    if (l.equals(domain)) {
                        best = n;
                        break;
                    }
                    if (best == null && l.endsWith("." + domain)) {
                        best = n;
                    }
                }
                validatedName = best != null ? best : names.isEmpty() ? "unknown" : names.get(0);
            }
            return validatedName;
        }
    }

    /** A domain check_host() can look at (4.3): labels of 1 to 63 characters, at least two, 253 at most. */
    static boolean validDomain(String d) {
        String s = stripDot(d);
        if (s.isEmpty() || s.length() > 253 || s.startsWith("[")) {
            return false;
        }
        String[] labels = s.split("\\.", -1);
        if (labels.length < 2) {
            return false;
        }
        for (String l : labels) {
            if (l.isEmpty() || l.length() > 63) {
                return false;
            }
        }
        return true;
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String domainOf(String sender) {
        int at = sender.lastIndexOf('@');
        return at < 0 ? sender : sender.substring(at + 1);
    }

    /** %{c}: an IPv6 address in the short form of RFC 5952 (longest run of zero groups as "::"). */
    static String readable(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        byte[] b = ip.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 (7.3). */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        String hex = HexFormat.of().formatHex(ip.getAddress());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hex.length(); i++) {
            if (i > 0) {
                sb.append('.');
            }
            sb.append(hex.charAt(i));
        }
        return sb.toString();
    }
}
