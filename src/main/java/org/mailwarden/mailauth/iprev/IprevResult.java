package org.mailwarden.mailauth.iprev;

/** The results of the iprev method (RFC 8601 2.7.3 and 3). */
public enum IprevResult {
    /** A name of the client's PTR records resolves back to the client's address. */
    PASS,
    /** PTR names exist, but none resolves back to the address (or their forward lookups found nothing). */
    FAIL,
    /** A DNS error that may go away (SERVFAIL, timeout). */
    TEMPERROR,
    /** No PTR data is published for the address (NXDOMAIN or no PTR records). */
    PERMERROR;

    /** The lower-case keyword of Authentication-Results. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
