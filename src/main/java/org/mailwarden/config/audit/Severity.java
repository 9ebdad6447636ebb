package org.mailwarden.config.audit;

import java.util.Locale;

/**
 * How bad a finding is. CRITICAL: the server is unsafe or broken as configured ({@code serve} refuses to start);
 * WARNING: works, but something should be fixed; INFO: worth knowing, nothing to fix.
 */
public enum Severity {
    CRITICAL, WARNING, INFO;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
