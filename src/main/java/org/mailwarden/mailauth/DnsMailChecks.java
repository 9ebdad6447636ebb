package org.mailwarden.mailauth;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.mailwarden.delivery.MessageView;
import org.mailwarden.dns.DnsBudget;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.arc.ArcVerifier;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.dkim.DkimVerifier;
import org.mailwarden.mailauth.iprev.Iprev;
import org.mailwarden.mailauth.iprev.IprevOutcome;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.mailwarden.mailauth.spf.SpfVerifier;

/**
 * The checks of the mailauth packages over one caching resolver, each message with its own {@link DnsBudget}: every
 * query its iprev, SPF (both identities), DKIM, ARC and DMARC lookups send counts against {@link #MAX_QUERIES}, and
 * none waits past {@link #MAX_TIME} from the first; answers from the cache are free.
 */
public final class DnsMailChecks implements MailChecks {

    /** What one message may cost in DNS queries (SPF's worst case within its limits is 111) and time. */
    public static final int MAX_QUERIES = 250;
    public static final Duration MAX_TIME = Duration.ofSeconds(30);

    private final DnsResolver dns;
    private final Clock clock;
    private final DnsBudget budget;
    private final SpfVerifier spf;
    private final Iprev iprev;

    public DnsMailChecks(DnsResolver dns, Clock clock) {
        this(dns, clock, DnsBudget.unlimited());
    }

    private DnsMailChecks(DnsResolver dns, Clock clock, DnsBudget budget) {
        this.dns = dns;
        this.clock = clock;
        this.budget = budget;
        this.spf = new SpfVerifier(dns);
        this.iprev = new Iprev(dns);
    }

    @Override
    public MailChecks forMessage() {
        return new DnsMailChecks(dns, clock, DnsBudget.of(MAX_QUERIES, MAX_TIME));
    }

    /** TXT lookups within this message's budget (DMARC records, DKIM and ARC keys). */
    @Override
    public TxtLookup txt() {
        return name -> dns.txt(name, budget);
    }

    @Override
    public SpfOutcome spfMailFrom(InetAddress client, String helo, String sender) {
        return spf.checkMailFrom(client, helo, sender, budget);
    }

    @Override
    public SpfOutcome spfHelo(InetAddress client, String helo) {
        if (helo == null || helo.isEmpty() || helo.startsWith("[") || helo.indexOf('.') < 0) {
            return null; // an address literal or a bare name is no domain to check (RFC 7208 2.3)
        }
        return spf.checkHelo(client, helo, budget);
    }

    @Override
    public List<DkimOutcome> dkim(MessageView message) throws IOException {
        try (InputStream in = message.open()) {
            return new DkimVerifier(txt(), clock).verify(in);
        }
    }

    @Override
    public ArcOutcome arc(MessageView message) throws IOException {
        try (InputStream in = message.open()) {
            return new ArcVerifier(txt(), clock).verify(in);
        }
    }

    @Override
    public IprevOutcome iprev(InetAddress client) {
        return iprev.check(client, budget);
    }
}
