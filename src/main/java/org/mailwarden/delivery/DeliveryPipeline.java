package org.mailwarden.delivery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.mailwarden.directory.Directory;
import org.mailwarden.directory.Resolution;
import org.mailwarden.mail.HeaderFilter;
import org.mailwarden.queue.DurableQueue;
import org.mailwarden.queue.LocalDelivery;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.smtp.Reply;
import org.mailwarden.store.IncomingMessage;
import org.mailwarden.store.MaildirLetters;
import org.mailwarden.store.MaildirSpool;
import org.mailwarden.store.MaildirStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way mail gets into a mailbox: receive, spool, judge, deliver per recipient. SMTP on port 25, submission to
 * local recipients ({@link #receive}) and the queue's local deliveries ({@link #deliver(QueueEntry, List)}: retries,
 * bounces, forwards to local addresses) all go through here, so a restricted or full mailbox, or a later check, is
 * judged the same way whichever way the message came.
 *
 * <p><b>Steps.</b> {@link DeliveryStep}s are registered in order ({@link #register}, in {@code server.MailServer});
 * each returns a {@link Judgement}: a {@link Verdict} per recipient ({@code Deliver(target)}, {@code Refuse(5xx)},
 * {@code Defer(4xx)}) and header fields to add. A recipient refused or deferred is out of play for later steps. Steps
 * never write: only the pipeline does, by the commit rule.
 *
 * <p><b>Forwards.</b> The non-local addresses a message is also queued for (an alias's outside addresses, relayed
 * mail) are judged with it: steps see them in {@link Envelope#forwards} and may give them one verdict as a whole
 * ({@link Judgement#forwards}); {@link Judgement#all}, the refusal of the whole message (a DMARC reject), covers them,
 * so a refused message is not sent on either, also when it has no local recipient (the steps then read the queue
 * entry's spool). Forwards refused while a mailbox took the message are recorded as failed (the sender gets a DSN);
 * deferred ones wait in the queue, whose agent sends remote mail without the steps. The queue's deliveries judge the
 * forwards of the local addresses they resolve the same way.
 *
 * <p><b>Commit rule.</b> One durable write of the message bytes on the common path:
 * <ul>
 * <li>The message is spooled while it arrives into a tmp/ file on the mail file system (the first recipient's
 *     INBOX tmp/), where the steps read it. If they added fields, a delivered copy is Return-Path + fields + the rest
 *     of the spool (copied by the kernel, then fsynced); if not, the spool itself is fsynced and linked.</li>
 * <li>One destination (one mailbox, or only the queue): committed directly; one rename or link is atomic.</li>
 * <li>Several destinations (several mailboxes, or mailboxes and the queue): the queue entry is the commit record. It
 *     is written durably first, with every recipient (the local ones marked with the folder they go to), then the
 *     local copies are linked inline under names derived from the queue id and the account, their directories
 *     fsynced (group commit), and the record is marked done (deleted when nothing is left, else its state saved),
 *     before the 250. A local copy that fails stays in the record, and the queue retries it through the pipeline.
 *     After a crash the queue redoes only what is not recorded done, and a redo first looks for the copy by name
 *     ({@link MaildirStore#holds}): new/, the folder's dovecot-uidlist, then cur/.</li>
 * </ul>
 * So a 250 means every recipient's copy is fsynced, or the queue entry is.
 *
 * <p><b>Reply.</b> It comes after the verdict: every local recipient refused (and nothing to forward, or the forwards
 * refused too): the refusal; deferred (none delivered, nothing forwarded): the deferral; otherwise 250, and the refused local recipients go to
 * the queue as failed (the sender gets a DSN through its bounce path), the deferred ones as pending (retried through
 * the pipeline).
 */
public final class DeliveryPipeline implements LocalDelivery {

    static final Logger LOG = LoggerFactory.getLogger(DeliveryPipeline.class);
    static final Reply STEP_ERROR = new Reply(451, "4.3.0", "Temporary failure while checking the message");

    final MaildirStore store;
    final DurableQueue queue;
    private final Directory directory;
    final Clock clock;
    private final List<DeliveryStep> steps = new CopyOnWriteArrayList<>();
    volatile Faults faults = Faults.fromSystemProperty();

    public DeliveryPipeline(MaildirStore store, DurableQueue queue, Directory directory) {
        this.store = store;
        this.queue = queue;
        this.directory = directory;
        this.clock = Clock.systemUTC();
    }

    /** Adds a step after the ones registered so far. */
    public DeliveryPipeline register(DeliveryStep step) {
        steps.add(Objects.requireNonNull(step));
        return this;
    }

    public List<DeliveryStep> steps() {
        return List.copyOf(steps);
    }

    /** Test seam: fault injection at the points of the commit rule ({@link Faults}). */
    public void faults(Faults f) {
        this.faults = Objects.requireNonNull(f);
    }

    // ---- at RCPT: the envelope steps, for a clean reply there ----------------------------------------------------

    /** What SMTP answers to one RCPT, from the {@link EnvelopeStep}s: the same code the pipeline runs after DATA. */
    public sealed interface Admission {
        /** Accepted, for these local recipients (those an envelope step refused are left out). */
        record Accept(List<Recipient> recipients) implements Admission {}

        record Refuse(Reply reply) implements Admission {}

        record Defer(Reply reply) implements Admission {}
    }

    /**
     * Judges one RCPT address that resolved to {@code mailboxes} and {@code forwards}: deferred if any of its
     * mailboxes is deferred (the client retries the address); refused if every mailbox is refused and there is
     * nothing to forward; else accepted for the mailboxes not refused.
     */
    public Admission admit(Origin origin, String sender, String address, Set<String> mailboxes, Set<String> forwards) {
        List<Recipient> kept = new ArrayList<>();
        Reply refusal = null;
        for (String account : mailboxes) {
            Recipient r = new Recipient(address, account);
            switch (envelopeVerdict(origin, sender, r)) {
                case Verdict.Deliver d -> kept.add(r);
                case Verdict.Defer(Reply reply) -> {
                    return new Admission.Defer(reply);
                }
                case Verdict.Refuse(Reply reply) -> refusal = refusal == null ? reply : refusal;
            }
        }
        if (kept.isEmpty() && forwards.isEmpty() && refusal != null) {
            return new Admission.Refuse(refusal);
        }
        return new Admission.Accept(kept);
    }

    private Verdict envelopeVerdict(Origin origin, String sender, Recipient r) {
        for (DeliveryStep step : steps) {
            if (step instanceof EnvelopeStep e) {
                Verdict v = e.judge(origin, sender, r).orElse(Verdict.INBOX);
                if (!(v instanceof Verdict.Deliver)) {
                    return v;
                }
            }
        }
        return Verdict.INBOX;
    }

    // ---- judging --------------------------------------------------------------------------------------------------

    /**
     * Every step's word on a message: the final verdict per recipient, the step that gave it, the verdict for the
     * forwards (as a whole), the fields to add, the message's own fields to leave out, and the value of the
     * Authentication-Results field a step added to mail from outside (null when none did, or when the message was
     * submitted): the queue entry of its forwards keeps it for their ARC seal.
     */
    record Judged(Map<Recipient, Verdict> verdicts, Map<Recipient, String> by, Verdict forwards, byte[] fields,
            HeaderFilter drop, String authResults) {

        static final Judged NOTHING = new Judged(Map.of(), Map.of(), Verdict.INBOX, new byte[0], HeaderFilter.NONE,
                null);

        /** Whether a delivered copy differs from the message as spooled. */
        boolean rewrites() {
            return fields.length > 0 || drop != HeaderFilter.NONE;
        }

        List<Recipient> with(Class<? extends Verdict> kind) {
            return verdicts.entrySet().stream().filter(e -> kind.isInstance(e.getValue())).map(Map.Entry::getKey)
                    .toList();
        }

        Target target(Recipient r) {
            return verdicts.get(r) instanceof Verdict.Deliver(Target t) ? t : Target.INBOX;
        }

        /** Whether the forwards may go on. */
        boolean forwarding() {
            return forwards instanceof Verdict.Deliver;
        }
    }

    /**
     * Runs the steps in order over the recipients still to be delivered and the forwards while no step refused or
     * deferred them; logs every refusal and deferral.
     */
    Judged judge(MessageView message, Envelope envelope) {
        Map<Recipient, Verdict> verdicts = new LinkedHashMap<>();
        Map<Recipient, String> by = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            verdicts.put(r, Verdict.INBOX);
        }
        Verdict forwards = Verdict.INBOX;
        String forwardsBy = null;
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        HeaderFilter drop = HeaderFilter.NONE;
        String authResults = null;
        for (DeliveryStep step : steps) {
            List<Recipient> open = verdicts.entrySet().stream().filter(e -> e.getValue() instanceof Verdict.Deliver)
                    .map(Map.Entry::getKey).toList();
            List<String> forwarding = forwards instanceof Verdict.Deliver ? envelope.forwards() : List.of();
            if (open.isEmpty() && forwarding.isEmpty()) {
                break;
            }
            Envelope now = new Envelope(envelope.sender(), open, forwarding);
            Judgement j;
            try {
                j = step.judge(message, now);
            } catch (IOException | RuntimeException e) {
                LOG.warn("event=step-error id={} step={} reason=\"{}\"", message.origin().messageId(), step.name(),
                        String.valueOf(e));
                j = Judgement.all(now, new Verdict.Defer(STEP_ERROR));
            }
            for (Map.Entry<Recipient, Verdict> e : j.verdicts().entrySet()) {
                if (open.contains(e.getKey())) {
                    verdicts.put(e.getKey(), e.getValue());
                    by.put(e.getKey(), step.name());
                }
            }
            if (j.forwards() != null && !forwarding.isEmpty()) {
                forwards = j.forwards();
                forwardsBy = step.name();
            }
            for (HeaderField f : j.fields()) {
                fields.writeBytes(f.bytes());
                if (f.name().equalsIgnoreCase("Authentication-Results") && !message.origin().authenticated()) {
                    authResults = f.value(); // a step's own field: our authserv-id
                }
            }
            if (j.drop() != HeaderFilter.NONE) {
                HeaderFilter before = drop;
                HeaderFilter more = j.drop();
                drop = before == HeaderFilter.NONE ? more : (n, v) -> before.drop(n, v) || more.drop(n, v);
            }
        }
        for (Map.Entry<Recipient, Verdict> e : verdicts.entrySet()) {
            logVerdict(message, e.getKey().address(), e.getKey().account(), by.get(e.getKey()), e.getValue());
        }
        logVerdict(message, String.join(",", envelope.forwards()), "-", forwardsBy, forwards);
        return new Judged(verdicts, by, forwards, fields.toByteArray(), drop, authResults);
    }

    private static void logVerdict(MessageView message, String rcpt, String account, String step, Verdict v) {
        Reply reply = reply(v);
        if (reply != null) {
            LOG.info("event=verdict id={} rcpt={} account={} step={} verdict={} code={} reply=\"{}\"",
                    message.origin().messageId(), rcpt, account, step, v instanceof Verdict.Refuse ? "refuse"
                            : "defer", reply.code(), reply);
        }
    }

    /** The reply of a refusal or deferral; null for a delivery. */
    static Reply reply(Verdict v) {
        return switch (v) {
            case Verdict.Deliver d -> null;
            case Verdict.Refuse(Reply r) -> r;
            case Verdict.Defer(Reply r) -> r;
        };
    }

    // ---- SMTP: receive, then deliver ------------------------------------------------------------------------------

    /**
     * Starts receiving a message for these local recipients (one per account, already admitted at RCPT) and these
     * non-local addresses: the caller writes it in network form and then calls {@link Reception#deliver}.
     */
    public Reception receive(Origin origin, String sender, List<Recipient> recipients, List<String> forwards)
            throws IOException {
        return new Reception(this, origin, sender, recipients, forwards);
    }

    // ---- the queue's local deliveries ----------------------------------------------------------------------------

    static final String DELIVERED = "250 2.0.0 delivered locally";

    /** How one account of a queued message fared. */
    private record Result(QueueEntry.Status status, Reply reply, String detail) {
        static final Result DONE = new Result(QueueEntry.Status.DELIVERED, null, DELIVERED);

        static Result deferred(String detail) {
            return new Result(QueueEntry.Status.PENDING, null, detail);
        }

        static Result of(Verdict v) {
            return switch (v) {
                case Verdict.Deliver d -> DONE;
                case Verdict.Refuse(Reply r) -> new Result(QueueEntry.Status.FAILED, r, r.toString());
                case Verdict.Defer(Reply r) -> new Result(QueueEntry.Status.PENDING, r, r.toString());
            };
        }

        int code() {
            return reply != null ? reply.code() : status == QueueEntry.Status.DELIVERED ? 250 : 451;
        }

        LocalDelivery.Outcome outcome(String rcpt) {
            return new LocalDelivery.Outcome(rcpt, status, code(), detail);
        }
    }

    /**
     * Delivers a queue entry's local recipients through the steps: mailbox recipients of a commit record (a copy
     * delivered inline before a crash is looked for first, in the folder the record names), and addresses in a local
     * domain, resolved now (aliases, sub-addresses; their forwards become a new entry once the mailboxes are done).
     * One copy per account, written once (Return-Path, the steps' fields, the message) and linked into each target.
     */
    @Override
    public List<LocalDelivery.Outcome> deliver(QueueEntry e, List<QueueEntry.Recipient> rcpts) {
        long created = e.created().toEpochMilli();
        Map<String, Result> fixed = new LinkedHashMap<>(); // per queue recipient, decided without the steps
        Map<String, List<String>> accountsOf = new LinkedHashMap<>();
        Map<String, List<String>> forwardsOf = new LinkedHashMap<>();
        Map<String, Recipient> toJudge = new LinkedHashMap<>();
        Map<String, Result> byAccount = new LinkedHashMap<>();
        for (QueueEntry.Recipient r : rcpts) {
            if (r.local() != null) {
                Recipient rec = new Recipient(r.local().forAddress(), r.address());
                accountsOf.put(r.address(), List.of(rec.account()));
                if (!r.local().folder().isEmpty() && found(e, created, rec.account(), r.local().folder())) {
                    byAccount.put(rec.account(), Result.DONE);
                } else {
                    toJudge.putIfAbsent(rec.account(), rec);
                }
                continue;
            }
            switch (directory.resolve(r.address())) {
                case Resolution.Deliver d -> {
                    accountsOf.put(r.address(), List.copyOf(d.mailboxes()));
                    forwardsOf.put(r.address(), List.copyOf(d.forwards()));
                    for (String m : d.mailboxes()) {
                        toJudge.putIfAbsent(m, new Recipient(r.address(), m));
                    }
                }
                case Resolution.UnknownUser u -> fixed.put(r.address(), new Result(QueueEntry.Status.FAILED,
                        null, "550 5.1.1 unknown user " + r.address()));
                case Resolution.Broken b -> fixed.put(r.address(), new Result(QueueEntry.Status.FAILED, null,
                        "550 5.4.6 alias expansion failed: " + b.reason()));
                case Resolution.NotLocal n -> fixed.put(r.address(),
                        Result.deferred("451 4.3.0 domain is no longer local"));
            }
        }
        toJudge.keySet().removeAll(byAccount.keySet());
        // an earlier attempt may have delivered some before it could record them: in INBOX, where most mail goes
        for (String account : List.copyOf(toJudge.keySet())) {
            if (found(e, created, account, "INBOX")) {
                byAccount.put(account, Result.DONE);
                toJudge.remove(account);
            }
        }
        List<String> allForwards = forwardsOf.values().stream().flatMap(List::stream).distinct().toList();
        Verdict forwarding = Verdict.INBOX;
        String authResults = e.authResults();
        if (!toJudge.isEmpty() || !allForwards.isEmpty()) {
            Judged j = judgeAndWrite(e, created, List.copyOf(toJudge.values()), allForwards, byAccount);
            forwarding = j == null ? forwarding : j.forwards();
            authResults = j == null || j.authResults() == null ? authResults : j.authResults();
        }
        List<LocalDelivery.Outcome> out = new ArrayList<>(rcpts.size());
        for (QueueEntry.Recipient r : rcpts) {
            Result res = fixed.get(r.address());
            if (res == null) {
                res = combine(accountsOf.getOrDefault(r.address(), List.of()), byAccount);
                List<String> fwd = forwardsOf.getOrDefault(r.address(), List.of());
                if (res.status() == QueueEntry.Status.DELIVERED && !fwd.isEmpty()) {
                    // a step that refused or deferred the message as a whole stops its forwards too
                    res = forwarding instanceof Verdict.Deliver ? forward(e, r.address(), fwd, authResults)
                            : Result.of(forwarding);
                }
            }
            out.add(res.outcome(r.address()));
        }
        return out;
    }

    /** An address's result over its accounts: deferred if any is, refused if all are, else delivered. */
    private static Result combine(List<String> accounts, Map<String, Result> byAccount) {
        Result refused = null;
        for (String a : accounts) {
            Result r = byAccount.getOrDefault(a, Result.deferred("451 4.3.0 not delivered"));
            if (r.status() == QueueEntry.Status.PENDING) {
                return r;
            }
            if (r.status() == QueueEntry.Status.FAILED && refused == null) {
                refused = r;
            }
        }
        boolean allRefused = refused != null && accounts.stream()
                .allMatch(a -> byAccount.get(a).status() == QueueEntry.Status.FAILED);
        return allRefused ? refused : Result.DONE;
    }

    /** Whether an earlier attempt left this entry's copy for {@code account} in {@code folder} (made durable now). */
    private boolean found(QueueEntry e, long created, String account, String folder) {
        try {
            Path maildir = store.folderDir(account, folder);
            if (store.holds(maildir, MaildirStore.derivedUnique(created, e.id(), account))) {
                store.syncFolder(maildir);
                LOG.info("event=redo-found id={} account={} folder={}", e.id(), account, folder);
                return true;
            }
            return false;
        } catch (IOException | RuntimeException ex) {
            return false;
        }
    }

    /**
     * Judges the entry's message for these recipients (and these forwards, which the caller queues unless the
     * judgement stops them) and writes a copy for each one delivered, putting each account's result into {@code out};
     * returns the judgement, or null when the message could not be read.
     */
    private Judged judgeAndWrite(QueueEntry e, long created, List<Recipient> recipients, List<String> forwards,
            Map<String, Result> out) {
        Path message = queue.queueDir().messageFile(e.id());
        Judged j;
        try {
            j = judge(new SpooledMessage(Origin.queue(e.id(), e.received()), message, false, 0, Files.size(message)),
                    new Envelope(e.sender(), recipients, forwards));
        } catch (IOException ex) {
            for (Recipient r : recipients) {
                out.put(r.account(), Result.deferred("451 4.3.0 queued message unreadable: " + ex));
            }
            return null;
        }
        List<Recipient> write = new ArrayList<>();
        for (Map.Entry<Recipient, Verdict> v : j.verdicts().entrySet()) {
            Recipient r = v.getKey();
            Target t = j.target(r);
            if (v.getValue() instanceof Verdict.Deliver && !t.folder().equalsIgnoreCase("INBOX")
                    && found(e, created, r.account(), t.folder())) {
                out.put(r.account(), Result.DONE);
            } else if (v.getValue() instanceof Verdict.Deliver) {
                write.add(r);
            } else {
                out.put(r.account(), Result.of(v.getValue()));
            }
        }
        if (write.isEmpty()) {
            return j;
        }
        MaildirSpool.Spooled copy;
        try {
            copy = copyOf(e, message, store.folderDir(write.getFirst().account(), j.target(write.getFirst()).folder()),
                    j);
        } catch (IOException | RuntimeException ex) {
            for (Recipient r : write) {
                out.put(r.account(), Result.deferred("451 4.3.0 local delivery: " + ex));
            }
            return j;
        }
        try {
            for (Recipient r : write) {
                Target t = j.target(r);
                try {
                    Path maildir = store.folderDir(r.account(), t.folder());
                    String unique = MaildirStore.derivedUnique(created, e.id(), r.account());
                    Path placed = store.link(copy, maildir, store.derivedName(unique), MaildirLetters.of(t.flags()));
                    store.sync(List.of(placed));
                    out.put(r.account(), Result.DONE);
                } catch (IOException | RuntimeException ex) {
                    out.put(r.account(), Result.deferred("451 4.3.0 local delivery: " + ex));
                }
            }
        } finally {
            copy.discard();
        }
        return j;
    }

    /** The copy a queued message's local recipients get: Return-Path, the steps' fields, the message; fsynced. */
    private MaildirSpool.Spooled copyOf(QueueEntry e, Path message, Path maildir, Judged j) throws IOException {
        try (MaildirSpool spool = store.spool(e.sender(), maildir); InputStream in = Files.newInputStream(message)) {
            spool.write(j.fields(), 0, j.fields().length);
            byte[] buf = new byte[64 * 1024];
            int n;
            if (j.drop() != HeaderFilter.NONE) { // the header section, without the fields the steps leave out
                byte[] head = in.readNBytes(HeaderSection.MAX_OCTETS);
                ByteArrayOutputStream kept = new ByteArrayOutputStream(head.length);
                HeaderFilter.Copied c = HeaderFilter.copy(head, head.length, j.drop(), kept);
                spool.write(kept.toByteArray(), 0, kept.size());
                spool.write(head, c.consumed(), head.length - c.consumed());
            }
            while ((n = in.read(buf)) > 0) {
                spool.write(buf, 0, n);
            }
            return spool.finish();
        }
    }

    /**
     * Queues a local address's forwards as a new entry (its own id, named in the log line), with our
     * Authentication-Results value for their ARC seal.
     */
    private Result forward(QueueEntry e, String rcpt, List<String> forwards, String authResults) {
        try (IncomingMessage m = queue.begin(e.sender(), forwards);
                InputStream in = Files.newInputStream(queue.queueDir().messageFile(e.id()))) {
            if (m instanceof DurableQueue.Entry entry) {
                entry.received(e.received()); // the forward keeps the origin, for the steps of its deliveries
                entry.authResults(authResults);
            }
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                m.write(buf, 0, n);
            }
            LOG.info("event=queue-forward id={} rcpt={} forwards={} queued={}", e.id(), rcpt, forwards.size(),
                    m.commit());
            return Result.DONE;
        } catch (IOException | RuntimeException ex) {
            return Result.deferred("451 4.3.0 local delivery: " + ex);
        }
    }
}
