package org.mailwarden.auth;

/**
 * What a {@link SaslMechanism} wants next: send a challenge and hand it the answer, check a password through the
 * {@link Authenticator}, refuse the login before any password check, or give up on a malformed message.
 */
public sealed interface SaslStep {

    /** Send {@code data} to the client (base64 in the protocol's continuation line) and wait for its answer. */
    record Challenge(byte[] data) implements SaslStep {}

    /** The exchange is complete: check {@code user}'s {@code password} (the array is wiped by the check). */
    record Verify(String user, char[] password) implements SaslStep {}

    /** The exchange is complete but the login is refused before any password check ({@code reason} for events). */
    record Refuse(String user, char[] password, String reason) implements SaslStep {}

    /** The client's message does not have the mechanism's form. */
    record Malformed() implements SaslStep {}
}
