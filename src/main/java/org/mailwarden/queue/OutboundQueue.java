package org.mailwarden.queue;

import java.io.IOException;
import java.util.List;
import org.mailwarden.gate.Connection;
import org.mailwarden.store.IncomingMessage;

/**
 * Mail for non-local recipients (forwards, and later relayed submissions). A committed entry is durable:
 * the outbound delivery agent picks it up from here.
 */
public interface OutboundQueue {

    /**
     * Starts a queue entry with the message's id (the one in "queued as", the Received header and every log line
     * about it); the caller streams the message (CRLF form) and commits it.
     */
    IncomingMessage begin(String id, String sender, List<String> recipients) throws IOException;

    /** Starts a queue entry for a message of the queue's own (a bounce, a forwarded copy), with a new id. */
    default IncomingMessage begin(String sender, List<String> recipients) throws IOException {
        return begin(Connection.newId(), sender, recipients);
    }
}
