package org.mailwarden.config;

import java.time.Duration;
import java.util.List;

/**
 * Who may send through this server, and as whom.
 *
 * @param trustedNetworks  clients that may relay without authentication (validated by {@link TrustedNetworks})
 * @param warnings         what the validator found worth saying at start-up
 * @param spoofProtection  authenticated users may use only addresses they own as sender
 * @param hideClientIp     keep submission clients' IPs out of Received headers
 * @param authOnPort25     offer AUTH on port 25 as well
 * @param authFailureDelay how long a failed login waits before its answer
 */
public record SubmissionConfig(List<Cidr> trustedNetworks, List<String> warnings, boolean spoofProtection,
        boolean hideClientIp, boolean authOnPort25, Duration authFailureDelay) {

    public SubmissionConfig {
        trustedNetworks = List.copyOf(trustedNetworks);
        warnings = List.copyOf(warnings);
    }

    public static SubmissionConfig defaults() {
        return new SubmissionConfig(List.of(), List.of(), true, true, false, Duration.ofSeconds(1));
    }

    public boolean isTrusted(java.net.InetAddress ip) {
        for (Cidr c : trustedNetworks) {
            if (c.contains(ip)) {
                return true;
            }
        }
        return false;
    }

    public SubmissionConfig withAuthFailureDelay(Duration d) {
        return new SubmissionConfig(trustedNetworks, warnings, spoofProtection, hideClientIp, authOnPort25, d);
    }

    public SubmissionConfig withTrustedNetworks(List<Cidr> networks) {
        return new SubmissionConfig(networks, warnings, spoofProtection, hideClientIp, authOnPort25, authFailureDelay);
    }

    public SubmissionConfig withSpoofProtection(boolean on) {
        return new SubmissionConfig(trustedNetworks, warnings, on, hideClientIp, authOnPort25, authFailureDelay);
    }
}
