package org.mailwarden.mailauth.spf;

/** The results of check_host() (RFC 7208 section 2.6), as Authentication-Results names them (RFC 8601 2.7.2). */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** The lower-case keyword of Authentication-Results and Received-SPF. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
