package org.mailwarden.queue;

import java.util.List;

/**
 * How the delivery agent puts a queued message into local mailboxes: through the delivery pipeline
 * ({@code org.mailwarden.delivery}), the same steps and commit rule as mail arriving over SMTP.
 */
public interface LocalDelivery {

    /**
     * What happened to one recipient: {@code DELIVERED}, {@code FAILED} (reported to the sender) or {@code PENDING}
     * (deferred: retried with the entry's backoff), with the reply's code and text.
     */
    record Outcome(String rcpt, QueueEntry.Status status, int code, String detail) {}

    /**
     * Delivers {@code recipients}, the entry's pending local ones (mailbox recipients of a commit record, and
     * addresses in a local domain), from the entry's message file; one outcome per recipient. A copy an earlier
     * attempt made (before a crash) is found, not made again.
     */
    List<Outcome> deliver(QueueEntry entry, List<QueueEntry.Recipient> recipients);
}
