package org.mailwarden.delivery;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailwarden.queue.DurableQueue;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.smtp.Reply;
import org.mailwarden.store.MaildirLetters;
import org.mailwarden.store.MaildirSpool;
import org.mailwarden.store.MaildirStore;

/**
 * A message arriving over SMTP, from its first octet to the verdict and the commit ({@link DeliveryPipeline} has the
 * rule). While it arrives it is spooled into the first recipient's INBOX tmp/ and, when it may have several
 * destinations (several mailboxes, or anything to forward), into a queue entry's message file as well. Not
 * thread-safe: one session writes it.
 */
public final class Reception implements AutoCloseable {

    /** What became of the message: the session turns this into its reply. */
    public sealed interface Result {
        /** 250: {@code mailboxes} copies are durable in mailboxes, {@code queued} recipients in the queue. */
        record Accepted(String id, int mailboxes, int queued) implements Result {}

        /** Every recipient refused, or none delivered and some deferred: this reply. */
        record Rejected(Reply reply) implements Result {}

        /** Nothing was committed (an I/O error): 451, the client sends again. */
        record Failed(IOException cause) implements Result {}
    }

    private final DeliveryPipeline pipeline;
    private final Origin origin;
    private final String sender;
    private final List<Recipient> recipients;
    private final List<String> forwards;
    private final MaildirSpool mail;
    private final DurableQueue.Entry queued;
    private long size;

    Reception(DeliveryPipeline pipeline, Origin origin, String sender, List<Recipient> recipients,
            List<String> forwards) throws IOException {
        this.pipeline = pipeline;
        this.origin = origin;
        this.sender = sender;
        this.recipients = List.copyOf(recipients);
        this.forwards = List.copyOf(forwards);
        MaildirStore store = pipeline.store;
        this.mail = recipients.isEmpty() ? null
                : store.spool(sender, store.mailboxDir(recipients.getFirst().account()));
        try {
            this.queued = forwards.isEmpty() && recipients.size() < 2 ? null
                    : pipeline.queue.spool(origin.messageId()).received(origin.received());
        } catch (IOException | RuntimeException e) {
            if (mail != null) {
                mail.close();
            }
            throw e;
        }
    }

    /** Appends message octets in network form (CRLF, dot-stuffing removed). */
    public void write(byte[] b, int off, int len) throws IOException {
        if (mail != null) {
            mail.write(b, off, len);
        }
        if (queued != null) {
            queued.write(b, off, len);
        }
        size += len;
    }

    public long size() {
        return size;
    }

    /** The message is in: judge it, commit by the rule, and say what the client is to be told. Closes this. */
    public Result deliver() {
        try {
            return commit();
        } catch (IOException e) {
            return new Result.Failed(e);
        } finally {
            close();
        }
    }

    private Result commit() throws IOException {
        MessageView view = null;
        if (mail != null) {
            MaildirSpool.Spooled s = mail.written();
            view = new SpooledMessage(origin, s.file(), true, s.head(), size);
        } else if (queued != null) { // only forwards: the steps read the queue entry's message
            view = new SpooledMessage(origin, queued.written(), false, 0, size);
        }
        DeliveryPipeline.Judged j = view == null ? DeliveryPipeline.Judged.NOTHING
                : pipeline.judge(view, new Envelope(sender, recipients, forwards));
        List<Recipient> deliver = j.with(Verdict.Deliver.class);
        List<Recipient> refused = j.with(Verdict.Refuse.class);
        List<Recipient> deferred = j.with(Verdict.Defer.class);
        if (deliver.isEmpty() && (forwards.isEmpty() || !j.forwarding())) {
            if (j.verdicts().isEmpty() && forwards.isEmpty()) {
                return new Result.Rejected(Reply.NO_VALID_RECIPIENTS);
            }
            // a deferral first (the client tries again, and then all may go), then a refusal
            Reply reply = !deferred.isEmpty() ? DeliveryPipeline.reply(j.verdicts().get(deferred.getFirst()))
                    : j.forwards() instanceof Verdict.Defer(Reply r) ? r
                    : !refused.isEmpty() ? DeliveryPipeline.reply(j.verdicts().get(refused.getFirst()))
                    : DeliveryPipeline.reply(j.forwards());
            return new Result.Rejected(reply);
        }
        boolean queue = !forwards.isEmpty() || !refused.isEmpty() || !deferred.isEmpty();
        if (deliver.size() == 1 && !queue) {
            return direct(deliver.getFirst(), j);
        }
        return recorded(deliver, refused, deferred, j);
    }

    /** The copy that is delivered: the spool itself, or the steps' fields and the spool in a new file; durable. */
    private MaildirSpool.Spooled copy(DeliveryPipeline.Judged j) throws IOException {
        return j.rewrites() ? pipeline.store.prepend(mail.written(), j.fields(), j.drop()) : mail.durable();
    }

    /** One mailbox, nothing for the queue: the copy is renamed into place, atomic on its own. */
    private Result direct(Recipient r, DeliveryPipeline.Judged j) throws IOException {
        Target t = j.target(r);
        pipeline.store.deliver(copy(j), List.of(pipeline.store.folderDir(r.account(), t.folder())),
                MaildirLetters.of(t.flags()));
        return new Result.Accepted(origin.messageId(), 1, 0);
    }

    /**
     * Several destinations: the queue entry is the commit record, written first with every recipient; then the
     * local copies, linked under names derived from the id and the account; then the record is marked done.
     */
    private Result recorded(List<Recipient> deliver, List<Recipient> refused, List<Recipient> deferred,
            DeliveryPipeline.Judged j) throws IOException {
        String id = origin.messageId();
        long created = pipeline.clock.millis();
        MaildirStore store = pipeline.store;
        Faults faults = pipeline.faults;
        List<DurableQueue.LocalRecipient> locals = new ArrayList<>();
        List<QueueEntry.Recipient> states = new ArrayList<>();
        for (Recipient r : j.verdicts().keySet()) {
            Target t = j.target(r);
            boolean inline = deliver.contains(r);
            QueueEntry.Local local = new QueueEntry.Local(r.address(), inline ? t.folder() : "",
                    inline ? MaildirLetters.of(t.flags()) : "");
            locals.add(new DurableQueue.LocalRecipient(r.account(), local));
            if (!inline) {
                Reply reply = DeliveryPipeline.reply(j.verdicts().get(r));
                states.add(QueueEntry.Recipient.pending(r.account(), local).with(refused.contains(r)
                        ? QueueEntry.Status.FAILED : QueueEntry.Status.PENDING, reply.code(), reply.toString(), "-"));
            }
        }
        // forwards a step refused or deferred while some mailbox took the message: the sender gets a DSN for a
        // refusal; a deferral waits in the queue (the agent sends remote mail on without the steps)
        Reply forwardsReply = DeliveryPipeline.reply(j.forwards());
        if (forwardsReply != null) {
            for (String f : forwards) {
                states.add(QueueEntry.Recipient.pending(f).with(j.forwards() instanceof Verdict.Refuse
                        ? QueueEntry.Status.FAILED : QueueEntry.Status.PENDING, forwardsReply.code(),
                        forwardsReply.toString(), "-"));
            }
        }
        queued.authResults(j.authResults()); // sealed into the ARC set of the forwards
        if (deliver.isEmpty()) { // only the queue: one destination, its commit is the whole commit
            try {
                faults.at(Faults.Point.RECORD);
                queued.commit(sender, forwards, locals, created, states);
            } catch (IOException | RuntimeException e) {
                forgetQuietly(id);
                throw e;
            }
            return new Result.Accepted(id, 0, forwards.size() + refused.size() + deferred.size());
        }
        MaildirSpool.Spooled copy = copy(j);
        pipeline.queue.claim(id); // the agent leaves the entry alone while its locals are delivered here
        try {
            try {
                faults.at(Faults.Point.RECORD);
                queued.commit(sender, forwards, locals, created, states);
            } catch (IOException | RuntimeException e) {
                forgetQuietly(id); // not acknowledged: nothing of it may stay, in the queue or in a mailbox
                copy.discard();
                throw e;
            }
            // From here on the record is durable, so the answer is 250 whatever fails: what is not done here the
            // queue does, and its redo finds what was.
            Map<Recipient, String> failed = new LinkedHashMap<>();
            try {
                faults.at(Faults.Point.AFTER_RECORD);
                List<Recipient> linked = new ArrayList<>();
                List<Path> placed = new ArrayList<>();
                for (Recipient r : deliver) {
                    Target t = j.target(r);
                    try {
                        faults.at(Faults.Point.MAILBOX);
                        Path maildir = store.folderDir(r.account(), t.folder());
                        String name = store.derivedName(MaildirStore.derivedUnique(created, id, r.account()));
                        placed.add(store.link(copy, maildir, name, MaildirLetters.of(t.flags())));
                        linked.add(r);
                        if (linked.size() == 1) {
                            faults.at(Faults.Point.AFTER_FIRST_MAILBOX);
                        }
                    } catch (IOException | RuntimeException e) {
                        failed.put(r, e.toString());
                    }
                }
                for (int i = 0; i < placed.size(); i++) {
                    try {
                        store.sync(List.of(placed.get(i)));
                    } catch (IOException e) {
                        failed.put(linked.get(i), e.toString());
                    }
                }
                faults.at(Faults.Point.AFTER_MAILBOXES);
            } catch (IOException | RuntimeException e) {
                for (Recipient r : deliver) {
                    failed.putIfAbsent(r, e.toString());
                }
            } finally {
                copy.discard(); // the copies are links; the tmp/ name goes
            }
            boolean left = !forwards.isEmpty() || !refused.isEmpty() || !deferred.isEmpty() || !failed.isEmpty();
            markDone(id, deliver, failed, left);
            return new Result.Accepted(id, deliver.size() - failed.size(),
                    forwards.size() + refused.size() + deferred.size() + failed.size());
        } finally {
            pipeline.queue.release(id);
        }
    }

    /**
     * Records the inline deliveries: the record is deleted when nothing is left in it (without fsyncs: a redo would
     * find every copy), else its state is saved with them delivered. A failure here is logged, not fatal: the record
     * is durable, and the agent's redo finds the copies by name.
     */
    private void markDone(String id, List<Recipient> delivered, Map<Recipient, String> failed, boolean left) {
        try {
            pipeline.faults.at(Faults.Point.DONE);
            if (!left) {
                pipeline.queue.queueDir().forget(id);
                return;
            }
            var dir = pipeline.queue.queueDir();
            QueueEntry e = dir.load(id).orElse(null);
            if (e == null) {
                return;
            }
            for (Recipient r : delivered) {
                String why = failed.get(r);
                e = e.withRecipient(r.account(), x -> why == null
                        ? x.with(QueueEntry.Status.DELIVERED, 250, DeliveryPipeline.DELIVERED + " (inline)", "-")
                        : x.with(QueueEntry.Status.PENDING, 451, "451 4.3.0 local delivery: " + why, "-"));
            }
            dir.save(e);
        } catch (IOException | RuntimeException e) {
            DeliveryPipeline.LOG.warn("event=queue-error id={} reason=\"recording the inline deliveries: {}\"", id,
                    String.valueOf(e));
        }
    }

    private void forgetQuietly(String id) {
        try {
            pipeline.queue.queueDir().delete(id);
        } catch (IOException | RuntimeException e) {
            DeliveryPipeline.LOG.warn("event=queue-error id={} reason=\"removing a failed commit record: {}\"", id,
                    String.valueOf(e));
        }
    }

    /** Discards whatever was not committed. */
    @Override
    public void close() {
        if (mail != null) {
            mail.close();
        }
        if (queued != null) {
            queued.close();
        }
    }
}
