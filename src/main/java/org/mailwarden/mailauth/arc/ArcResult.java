package org.mailwarden.mailauth.arc;

/** The chain validation status of an ARC set (RFC 8617 4.4, cv=): none, pass or fail. */
public enum ArcResult {
    NONE, PASS, FAIL;

    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
