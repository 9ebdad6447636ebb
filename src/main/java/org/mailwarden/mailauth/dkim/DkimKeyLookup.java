package org.mailwarden.mailauth.dkim;

import org.mailwarden.dns.DnsResolver;
import org.mailwarden.dns.DnsResolver.Answer;

/**
 * Where DKIM and ARC verification get key records: the TXT strings of {@code <selector>._domainkey.<domain>}. Over
 * DnsResolver in the server ({@link #dns}); anything else in tests. A lookup should time out by itself; the verifier
 * also bounds the time it waits.
 */
@FunctionalInterface
public interface DkimKeyLookup {

    Answer<String> txt(String name);

    static DkimKeyLookup dns(DnsResolver resolver) {
        return resolver::txt;
    }
}
