package org.mailwarden.mailauth.spf;

/**
 * One SPF evaluation: the result, which identity was checked ("mailfrom" or "helo", RFC 7208 2.3 and 2.4), the domain
 * whose policy gave it (the MAIL FROM domain, or the HELO name), the explanation string of a fail (exp=, may be null)
 * and, for temperror/permerror, what went wrong (null otherwise), for the log and the Authentication-Results comment.
 */
public record SpfOutcome(SpfResult result, String identity, String domain, String explanation, String problem) {}
