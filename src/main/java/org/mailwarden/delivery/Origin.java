package org.mailwarden.delivery;

import java.net.InetAddress;
import org.mailwarden.queue.QueueEntry;

/**
 * Where a message came from, for the steps that judge it and for the log: the protocol ("smtp", "submission",
 * "queue"), the listener, the client's real IP, its HELO name, the login (null when not authenticated), the session
 * id and the message's one id (the "queued as" id, the queue entry's). For a delivery from the queue the protocol is
 * "queue" and the session null; the listener, client IP, HELO and login are those the message first came with, as
 * the entry records them (so SPF or DMARC on a retry judge the original client), or null for the queue's own mail
 * and entries from older versions.
 */
public record Origin(String protocol, String listener, InetAddress clientIp, String helo, String login,
        String session, String messageId) {

    /** A message delivered by the queue without a recorded origin (a bounce, an older entry). */
    public static Origin queue(String id) {
        return new Origin("queue", null, null, null, null, null, id);
    }

    /** A message delivered by the queue, with the origin its entry records (null: none). */
    public static Origin queue(String id, QueueEntry.Received r) {
        if (r == null) {
            return queue(id);
        }
        InetAddress ip;
        try {
            ip = r.clientIp() == null ? null : InetAddress.ofLiteral(r.clientIp());
        } catch (IllegalArgumentException e) {
            ip = null;
        }
        return new Origin("queue", r.listener(), ip, r.helo(), r.login(), null, id);
    }

    /** What the queue records of this origin. */
    public QueueEntry.Received received() {
        return new QueueEntry.Received(protocol, listener, clientIp == null ? null : clientIp.getHostAddress(), helo,
                login);
    }

    public boolean authenticated() {
        return login != null;
    }
}
