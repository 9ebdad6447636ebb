package org.mailwarden.queue;

import java.io.IOException;
import java.util.List;
import org.mailwarden.store.IncomingMessage;

/**
 * Mail for non-local recipients (forwards, and later relayed submissions). A committed entry is durable:
 * the outbound delivery agent picks it up from here.
 */
public interface OutboundQueue {

    /** Starts a queue entry for the envelope; the caller streams the message (CRLF form) and commits it. */
    IncomingMessage begin(String sender, List<String> recipients) throws IOException;
}
