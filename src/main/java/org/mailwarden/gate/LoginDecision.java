package org.mailwarden.gate;

/**
 * The gate's answer to "may this account log in from this IP on this listener?", the same for every protocol.
 * A protocol answers {@link Deny} with its authentication failure reply (a temporary one, e.g. SMTP 454 4.7.0 or
 * IMAP NO [UNAVAILABLE], when {@code temporary}), without checking the password, and reports an AuthFailure.
 */
public sealed interface LoginDecision {

    Allow ALLOW = new Allow();

    record Allow() implements LoginDecision {}

    /** {@code reason}: banned, deny-list, not-in-allow-list, account-network, account-throttled. */
    record Deny(String reason, boolean temporary) implements LoginDecision {}

    default boolean allowed() {
        return this instanceof Allow;
    }
}
