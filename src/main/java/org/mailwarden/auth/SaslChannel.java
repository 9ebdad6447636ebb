package org.mailwarden.auth;

import java.io.IOException;

/**
 * What a protocol gives a {@link SaslExchange}: how to send a challenge and read the answer in its own syntax
 * (SMTP {@code 334 <base64>}, IMAP and POP3 {@code + <base64>}), with its own line reader and line limit.
 */
public interface SaslChannel {

    /** The client's answer to a challenge. */
    sealed interface Answer {
        /** The answer line, without its line end. */
        record Line(String text) implements Answer {}

        /** Longer than the protocol's line limit (the rest was consumed). */
        record TooLong() implements Answer {}

        /** The client closed the connection, or sent something that ends the session (the channel's to answer). */
        record Closed() implements Answer {}
    }

    /** Sends a challenge ({@code base64}: its base64 text, empty for an empty challenge) and reads the answer. */
    Answer challenge(String base64) throws IOException;

    /** Before the password check: the replies already due go out (a failed check waits before it answers). */
    void beforeCheck() throws IOException;
}
