package org.mailwarden.mailauth;

import org.mailwarden.dns.DnsResolver;

/**
 * TXT lookups for the mail checks (DMARC policy records, report authorization, DKIM and ARC keys): the strings of
 * each record joined (RFC 7208 3.3, RFC 6376 3.6.2.2). A {@link DnsResolver} is one; tests may give a map.
 */
@FunctionalInterface
public interface TxtLookup {
    DnsResolver.Answer<String> txt(String name);

    static TxtLookup of(DnsResolver dns) {
        return dns::txt;
    }
}
