package org.mailwarden.store;

/** What {@link Mailbox#changeFlags} did to one message. */
public sealed interface FlagResult {

    /** The change was made (or there was nothing to change): the message as it is now. */
    record Stored(MessageInfo message) implements FlagResult {}

    /** Not changed: the message's mod-sequence is above the UNCHANGEDSINCE given (RFC 7162 3.1.3). */
    record Modified(MessageInfo message) implements FlagResult {}

    /** The message is gone (expunged). */
    record Gone() implements FlagResult {}
}
