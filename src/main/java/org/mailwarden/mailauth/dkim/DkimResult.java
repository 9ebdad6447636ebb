package org.mailwarden.mailauth.dkim;

/** The result of verifying one DKIM signature, as Authentication-Results names them (RFC 8601 2.7.1). */
public enum DkimResult {
    NONE, PASS, FAIL, POLICY, NEUTRAL, TEMPERROR, PERMERROR;

    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
