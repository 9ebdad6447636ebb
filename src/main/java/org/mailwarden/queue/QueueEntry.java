package org.mailwarden.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A queued message's envelope and delivery state, as stored in {@code <id>.env} (immutable envelope) and
 * {@code <id>.state} (rewritten atomically after every change).
 *
 * @param sender      envelope sender, "" for the null sender (bounces)
 * @param created     when the message was queued
 * @param attempts    delivery attempts so far
 * @param nextAttempt when the agent tries the pending recipients next
 * @param delayWarned a delay notice has been sent to the sender
 * @param received    where the message came from, for the steps that judge its local deliveries later (SPF, DMARC
 *                    on a retry); null for entries queued by older versions and for the queue's own mail (bounces)
 * @param authResults our Authentication-Results value for the message as it arrived (unfolded, one line), which
 *                    the agent seals into the ARC set of a forward; null when none was recorded (older entries,
 *                    submissions, the queue's own mail)
 */
public record QueueEntry(String id, String sender, Instant created, int attempts, Instant nextAttempt,
        boolean delayWarned, List<Recipient> recipients, Received received, String authResults) {

    /** An entry without a recorded origin. */
    public QueueEntry(String id, String sender, Instant created, int attempts, Instant nextAttempt,
            boolean delayWarned, List<Recipient> recipients) {
        this(id, sender, created, attempts, nextAttempt, delayWarned, recipients, null, null);
    }

    /**
     * How the message reached the server: the protocol and listener it came in on, the client's IP (text form), its
     * HELO name and the login (null fields where there was none). Kept in the envelope file as one
     * "received" line.
     */
    public record Received(String protocol, String listener, String clientIp, String helo, String login) {}

    public enum Status { PENDING, DELIVERED, FAILED }

    /**
     * One recipient's state: the last result's code, detail and remote host; {@code notified} once the sender
     * got a bounce for it. {@code local} is set for a recipient that is a local mailbox itself (the address is the
     * account), written by the delivery pipeline into the entry it uses as a commit record; null for an address the
     * agent routes (and, when its domain is local, resolves) at each attempt.
     */
    public record Recipient(String address, Status status, int code, String detail, String host, boolean notified,
            Local local) {
        public Recipient {
            detail = detail == null ? "" : detail.replaceAll("[\\t\\r\\n]+", " ").strip();
            host = host == null || host.isBlank() ? "-" : host.replaceAll("\\s+", "");
        }

        public static Recipient pending(String address) {
            return new Recipient(address, Status.PENDING, 0, "", "-", false, null);
        }

        public static Recipient pending(String account, Local local) {
            return new Recipient(account, Status.PENDING, 0, "", "-", false, local);
        }

        public Recipient with(Status s, int c, String d, String h) {
            return new Recipient(address, s, c, d, h, notified, local);
        }

        public Recipient markNotified() {
            return new Recipient(address, status, code, detail, host, true, local);
        }
    }

    /**
     * A local mailbox recipient of a commit record: the envelope address that led to it ({@code forAddress}, as the
     * client gave it in RCPT) and, when the pipeline delivered it inline, the folder and Maildir flags it went to
     * (empty folder: not delivered inline, the agent judges it afresh). A redo looks for the copy there first.
     */
    public record Local(String forAddress, String folder, String flags) {
        public Local {
            folder = folder == null ? "" : folder;
            flags = flags == null ? "" : flags;
        }
    }

    public QueueEntry {
        recipients = List.copyOf(recipients);
    }

    public List<Recipient> pending() {
        return recipients.stream().filter(r -> r.status() == Status.PENDING).toList();
    }

    public List<Recipient> failedUnnotified() {
        return recipients.stream().filter(r -> r.status() == Status.FAILED && !r.notified()).toList();
    }

    /** Nothing left to do: every recipient delivered, or failed and reported. */
    public boolean done() {
        return recipients.stream().allMatch(r -> r.status() == Status.DELIVERED
                || (r.status() == Status.FAILED && (r.notified() || sender.isEmpty())));
    }

    public QueueEntry withRecipient(String address, UnaryOperator<Recipient> change) {
        List<Recipient> out = new ArrayList<>(recipients.size());
        for (Recipient r : recipients) {
            out.add(r.address().equals(address) ? change.apply(r) : r);
        }
        return new QueueEntry(id, sender, created, attempts, nextAttempt, delayWarned, out, received, authResults);
    }

    public QueueEntry withRecipients(UnaryOperator<Recipient> change) {
        return new QueueEntry(id, sender, created, attempts, nextAttempt, delayWarned,
                recipients.stream().map(change).toList(), received, authResults);
    }

    public QueueEntry withAttempt(int attempts, Instant next) {
        return new QueueEntry(id, sender, created, attempts, next, delayWarned, recipients, received, authResults);
    }

    public QueueEntry withNextAttempt(Instant next) {
        return new QueueEntry(id, sender, created, attempts, next, delayWarned, recipients, received, authResults);
    }

    public QueueEntry withDelayWarned() {
        return new QueueEntry(id, sender, created, attempts, nextAttempt, true, recipients, received, authResults);
    }
}
