package org.mailwarden.mailauth.iprev;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.mailwarden.dns.DnsBudget;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.dns.IpAddresses;

/**
 * The iprev check (RFC 8601 3), forward-confirmed reverse DNS: the client address's PTR names (at most
 * {@link #MAX_NAMES}), each looked up forward (A for an IPv4 client, AAAA for IPv6); the first whose addresses
 * include the client's confirms it.
 */
public final class Iprev {

    /** PTR names looked up forward at most (as SPF's ptr, RFC 7208 4.6.4). */
    public static final int MAX_NAMES = 10;

    private final DnsResolver dns;

    public Iprev(DnsResolver dns) {
        this.dns = dns;
    }

    public IprevOutcome check(InetAddress ip) {
        return check(ip, DnsBudget.of(1 + MAX_NAMES, java.time.Duration.ofSeconds(20)));
    }

    /** @param client the SMTP client's address (an IPv4-mapped IPv6 one is checked, and reported, as IPv4) */
    public IprevOutcome check(InetAddress client, DnsBudget budget) {
        InetAddress ip = IpAddresses.unmapped(client);
        Answer<String> ptr = dns.ptr(ip, budget);
        if (ptr instanceof Answer.TempFailure<String> t) {
            return new IprevOutcome(IprevResult.TEMPERROR, ip, null, t.reason());
        }
        List<String> names = ptr instanceof Answer.Found<String> f ? f.values() : List.of();
        if (names.isEmpty()) {
            return new IprevOutcome(IprevResult.PERMERROR, ip, null, "no PTR record for " + ip.getHostAddress());
        }
        String tempProblem = null;
        for (String name : names.subList(0, Math.min(MAX_NAMES, names.size()))) {
            Answer<InetAddress> fwd = ip instanceof Inet4Address ? dns.a(name, budget) : dns.aaaa(name, budget);
            switch (fwd) {
                case Answer.Found<InetAddress> f -> {
                    if (f.values().contains(ip)) {
                        return new IprevOutcome(IprevResult.PASS, ip, name, null);
                    }
                }
                case Answer.NoSuchDomain<InetAddress> n -> { }
                case Answer.NoRecords<InetAddress> n -> { }
                case Answer.TempFailure<InetAddress> t -> tempProblem = tempProblem == null ? t.reason() : tempProblem;
            }
        }
        if (tempProblem != null) {
            return new IprevOutcome(IprevResult.TEMPERROR, ip, null, tempProblem);
        }
        return new IprevOutcome(IprevResult.FAIL, ip, null, ip.getHostAddress() + " -> " + String.join(",",
                names.subList(0, Math.min(MAX_NAMES, names.size()))) + " does not resolve back");
    }

    /**
     * Postfix's reject_unknown_client_hostname (docker-mailserver POSTFIX_REJECT_UNKNOWN_CLIENT_HOSTNAME=1): the
     * SMTP reply refusing a client without forward-confirmed reverse DNS, 450 when that may change (temperror),
     * 550 otherwise; empty for a client that passes.
     */
    public static Optional<String> rejectUnknownClient(IprevOutcome o) {
        String ip = o.ip().getHostAddress();
        return switch (o.result()) {
            case PASS -> Optional.empty();
            case TEMPERROR -> Optional.of("450 4.7.25 Client host rejected: cannot find your hostname, [" + ip
                    + "] (temporary DNS failure)");
            case FAIL, PERMERROR -> Optional.of("550 5.7.25 Client host rejected: cannot find your hostname, ["
                    + ip + "]");
        };
    }
}
