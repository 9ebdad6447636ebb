package org.mailwarden.delivery;

import java.net.InetAddress;

/**
 * Where a message came from, for the steps that judge it and for the log: the protocol ("smtp", "submission",
 * "queue"), the listener, the client's real IP, its HELO name, the login (null when not authenticated), the session
 * id and the message's one id (the "queued as" id, the queue entry's). For a delivery from the queue only the
 * protocol and the id are known; the other fields are null.
 */
public record Origin(String protocol, String listener, InetAddress clientIp, String helo, String login,
        String session, String messageId) {

    /** A message delivered by the queue (a retry, a bounce, a forward to a local address). */
    public static Origin queue(String id) {
        return new Origin("queue", null, null, null, null, null, id);
    }

    public boolean authenticated() {
        return login != null;
    }
}
