package org.mailwarden.srs;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * docker-mailserver's SRS (ENABLE_SRS, postsrsd): the envelope sender of mail that leaves for another domain is
 * rewritten into {@code srsDomain} ({@link #outbound}), and a recipient in {@code srsDomain} that is an SRS address
 * is reversed to the address it stands for ({@link #reverse}). Which senders are left alone follows postsrsd, with
 * one addition: the null sender (bounces), an address without a domain, a sender in the SRS domain, in a domain of
 * SRS_EXCLUDE_DOMAINS (a leading dot: its subdomains, not itself), a valid SRS address of ours ("already rewritten"),
 * and, unlike postsrsd behind Postfix's sender_canonical_maps, a sender in any local domain: our own users' mail
 * passes SPF as it is, so it needs no rewriting (postsrsd rewrites other hosted domains unless excluded).
 */
public final class Srs {

    /** SRS off: senders leave as they are, nothing is reversed. */
    public static final Srs OFF = new Srs(null, "", List.of(), d -> false, Clock.systemUTC());

    private final SrsCodec codec;
    private final String domain;
    private final List<String> excluded;
    private final Predicate<String> localDomain;
    private final Clock clock;

    /**
     * @param domain      SRS_DOMAINNAME: the domain rewritten senders get
     * @param excluded    SRS_EXCLUDE_DOMAINS, lower case
     * @param localDomain whether a (lower-case) domain is one of ours
     */
    public Srs(SrsCodec codec, String domain, List<String> excluded, Predicate<String> localDomain, Clock clock) {
        this.codec = codec;
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.excluded = excluded.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        this.localDomain = localDomain;
        this.clock = clock;
    }

    public boolean enabled() {
        return codec != null;
    }

    public String domain() {
        return domain;
    }

    /** The envelope sender for mail to a remote domain: {@code sender} rewritten, or as it is (see the class). */
    public String outbound(String sender) {
        if (codec == null || sender.isEmpty()) {
            return sender;
        }
        int at = sender.lastIndexOf('@');
        if (at <= 0) {
            return sender;
        }
        String host = sender.substring(at + 1).toLowerCase(Locale.ROOT);
        if (host.equals(domain) || localDomain.test(host) || isExcluded(host)
                || codec.reverse(sender, clock.instant()) instanceof SrsCodec.Reversal.Reversed) {
            return sender;
        }
        return codec.forward(sender, domain, clock.instant());
    }

    /** A recipient: reversed when it is an SRS address in the SRS domain; {@code NotSrs} for every other address. */
    public SrsCodec.Reversal reverse(String recipient) {
        int at = recipient.lastIndexOf('@');
        if (codec == null || at <= 0 || !recipient.substring(at + 1).equalsIgnoreCase(domain)
                || !SrsCodec.looksSrs(recipient.substring(0, at))) {
            return new SrsCodec.Reversal.NotSrs();
        }
        return codec.reverse(recipient, clock.instant());
    }

    /** postsrsd's rule: "example.com" excludes that domain, ".example.com" its subdomains. */
    private boolean isExcluded(String host) {
        for (String x : excluded) {
            if (x.startsWith(".") ? host.endsWith(x) : host.equals(x)) {
                return true;
            }
        }
        return false;
    }
}
