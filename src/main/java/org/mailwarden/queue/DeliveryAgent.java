package org.mailwarden.queue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.mailwarden.config.OutboundConfig;
import org.mailwarden.directory.Directory;
import org.mailwarden.directory.Resolution;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.delivery.HeaderField;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.arc.ArcSealer;
import org.mailwarden.mailauth.arc.ArcVerifier;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.mailauth.dkim.DkimKeys;
import org.mailwarden.mailauth.dkim.DkimSigner;
import org.mailwarden.srs.Srs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailwarden.mail.HeaderFields;
import org.mailwarden.mail.AddressList;

/**
 * Delivers queued mail. A virtual thread scans the queue directory (after every commit, and every
 * {@code scanInterval} so changes made by {@code mailwarden queue} are seen) and starts one virtual thread
 * per due entry. Per entry: local recipients go to the delivery pipeline ({@link LocalDelivery}); remote ones
 * are grouped by domain and sent over SMTP (DKIM-signed when the From domain is ours and has keys; ARC-sealed
 * when the entry has our Authentication-Results, a forward of mail from outside); each result is written to the entry's state
 * before the next step, so a crash never repeats a delivery the remote side has confirmed. Deferred recipients
 * are retried with exponential backoff until {@code queue.max-age}; failed ones are reported to the sender
 * with a DSN.
 */
public final class DeliveryAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryAgent.class);
    private static final int MAX_PARALLEL = 100;

    private record Seen(FileTime stamp, Instant next) {}

    private final DurableQueue queue;
    private final QueueDir dir;
    private final OutboundConfig config;
    private final String hostname;
    private final Directory directory;
    private final LocalDelivery local;
    private final DkimKeys dkim;
    private final Srs srs;
    private final EventBus events;
    private final Transfer transfer;
    private final Route.Table routes;
    private final Clock clock;
    private final ArcSealer sealer;
    private final Duration scanInterval;

    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final Semaphore parallel = new Semaphore(MAX_PARALLEL);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeup = lock.newCondition();
    private boolean woken;
    private volatile boolean running;
    private Thread loop;

    public DeliveryAgent(DurableQueue queue, OutboundConfig config, String hostname, Directory directory,
            LocalDelivery local, DkimKeys dkim, Srs srs, EventBus events, Duration scanInterval) throws IOException {
        this.queue = queue;
        this.dir = queue.queueDir();
        this.config = config;
        this.hostname = hostname;
        this.directory = directory;
        this.local = local;
        this.dkim = dkim;
        this.srs = srs;
        this.events = events;
        DnsResolver dns = new DnsResolver(config.dnsServer(), config.timeout().compareTo(Duration.ofSeconds(10)) < 0
                ? config.timeout() : Duration.ofSeconds(10));
        this.transfer = new Transfer(config, dns, hostname);
        this.routes = new Route.Table(config);
        this.clock = Clock.systemUTC();
        this.sealer = new ArcSealer(new ArcVerifier(TxtLookup.of(dns), clock));
        this.scanInterval = scanInterval;
    }

    /** Starts the agent, after removing what a crash left in the queue directory. */
    public DeliveryAgent start() {
        sweep();
        running = true;
        queue.onCommit(this::wake);
        loop = Thread.ofVirtual().name("delivery-agent").start(this::run);
        return this;
    }

    /** Makes the agent look at the queue now. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            wakeup.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Crash leftovers are looked for at start and then this often. */
    static final Duration SWEEP_INTERVAL = Duration.ofHours(1);
    private Instant lastSweep = Instant.MIN;

    /** Removes crash leftovers ({@link QueueDir#sweep}), one log line each. */
    private void sweep() {
        Instant now = clock.instant();
        lastSweep = now;
        try {
            for (QueueDir.Leftover l : dir.sweep(now)) {
                if (l.id() == null) {
                    LOG.info("event=queue-tmp-removed file=\"{}\" age={}h", l.file(), l.age().toHours());
                } else {
                    LOG.info("event=queue-orphan-removed id={} file=\"{}\" age={}h reason=no-envelope", l.id(),
                            l.file(), l.age().toHours());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("event=queue-error reason=\"sweep: {}\"", String.valueOf(e));
        }
    }

    private void run() {
        while (running) {
            if (!clock.instant().isBefore(lastSweep.plus(SWEEP_INTERVAL))) {
                sweep();
            }
            try {
                scan();
            } catch (IOException | RuntimeException e) {
                LOG.warn("event=queue-error reason=\"{}\"", String.valueOf(e));
            }
            lock.lock();
            try {
                if (!woken && running) {
                    wakeup.await(scanInterval.toMillis(), TimeUnit.MILLISECONDS);
                }
                woken = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private void scan() throws IOException {
        Instant now = clock.instant();
        List<String> ids = dir.ids();
        seen.keySet().retainAll(Set.copyOf(ids));
        for (String id : ids) {
            if (!running) {
                return;
            }
            if (inFlight.contains(id) || queue.isClaimed(id)) {
                continue;
            }
            FileTime stamp = dir.stamp(id);
            Seen s = seen.get(id);
            if (s != null && s.stamp().equals(stamp) && s.next().isAfter(now)) {
                continue;
            }
            QueueEntry e;
            try {
                e = dir.load(id).orElse(null);
            } catch (IOException | RuntimeException ex) {
                LOG.warn("event=queue-error id={} reason=\"unreadable entry: {}\"", id, String.valueOf(ex));
                seen.put(id, new Seen(stamp, now.plus(Duration.ofMinutes(5))));
                continue;
            }
            if (e == null) {
                continue;
            }
            seen.put(id, new Seen(stamp, e.nextAttempt()));
            if (e.nextAttempt().isAfter(now) && !e.done()) {
                continue;
            }
            if (!inFlight.add(id)) {
                continue;
            }
            try {
                parallel.acquire();
            } catch (InterruptedException ie) {
                inFlight.remove(id);
                Thread.currentThread().interrupt();
                return;
            }
            Thread.ofVirtual().name("delivery-" + id).start(() -> {
                try {
                    process(id);
                } catch (IOException | RuntimeException ex) {
                    LOG.warn("event=queue-error id={} reason=\"{}\"", id, String.valueOf(ex));
                } finally {
                    seen.remove(id);
                    inFlight.remove(id);
                    parallel.release();
                }
            });
        }
    }

    /** One pass over one entry. Package-private for tests. */
    void process(String id) throws IOException {
        QueueEntry e = dir.load(id).orElse(null);
        if (e == null) {
            return;
        }
        Instant now = clock.instant();
        if (!e.pending().isEmpty()) {
            e = attempt(e);
            if (e == null) {
                return; // deleted meanwhile
            }
            now = clock.instant();
            if (!e.pending().isEmpty() && !now.isBefore(e.created().plus(config.maxAge()))) {
                e = e.withRecipients(r -> r.status() == QueueEntry.Status.PENDING
                        ? r.with(QueueEntry.Status.FAILED, r.code(), "delivery time expired after "
                                + human(config.maxAge()) + "; last error: " + r.detail(), r.host())
                        : r);
                for (QueueEntry.Recipient r : e.recipients()) {
                    if (r.status() == QueueEntry.Status.FAILED && !r.notified()) {
                        events.emit(new Event.DeliveryAttempt(id, r.address(), r.host(), "failed", r.code(),
                                r.detail()));
                    }
                }
                if (!dir.save(e)) {
                    return;
                }
            }
        }
        if (!e.pending().isEmpty() && !e.delayWarned() && !e.sender().isEmpty()
                && !now.isBefore(e.created().plus(config.delayWarning()))) {
            byte[] dsn = Dsn.build(Dsn.Kind.DELAYED, hostname, e, e.pending(), dir.messageFile(id), now,
                    e.created().plus(config.maxAge()));
            String bounceId = queue.enqueue("", List.of(e.sender()), dsn);
            LOG.info("event=delay-notice id={} to=<{}> notice={}", id, e.sender(), bounceId);
            e = e.withDelayWarned();
            if (!dir.save(e)) {
                return;
            }
        }
        List<QueueEntry.Recipient> failed = e.failedUnnotified();
        if (!failed.isEmpty() && !e.sender().isEmpty()) {
            byte[] dsn = Dsn.build(Dsn.Kind.FAILED, hostname, e, failed, dir.messageFile(id), now, now);
            String bounceId = queue.enqueue("", List.of(e.sender()), dsn);
            LOG.info("event=bounce id={} to=<{}> rcpts={} bounce={}", id, e.sender(), failed.size(), bounceId);
            Set<String> reported = new java.util.HashSet<>();
            failed.forEach(r -> reported.add(r.address()));
            e = e.withRecipients(r -> reported.contains(r.address()) ? r.markNotified() : r);
            if (!dir.save(e)) {
                return;
            }
        }
        if (e.done()) {
            dir.delete(id);
            LOG.info("event=queue-done id={}", id);
        }
    }

    /** Tries every pending recipient once; returns the updated entry (saved), or null if it was deleted. */
    private QueueEntry attempt(QueueEntry e) throws IOException {
        int attempts = e.attempts() + 1;
        e = e.withAttempt(attempts, e.nextAttempt());
        Map<String, List<String>> remote = new LinkedHashMap<>();
        List<QueueEntry.Recipient> locals = new ArrayList<>();
        for (QueueEntry.Recipient r : e.pending()) {
            String domain = domainOf(r.address());
            if (r.local() != null || directory.isLocalDomain(domain)
                    && !(directory.resolve(r.address()) instanceof Resolution.NotLocal)) {
                locals.add(r);
            } else {
                remote.computeIfAbsent(domain, d -> new ArrayList<>()).add(r.address());
            }
        }
        if (!locals.isEmpty()) {
            List<Transfer.Outcome> outcomes = new ArrayList<>();
            for (LocalDelivery.Outcome o : local.deliver(e, locals)) {
                outcomes.add(new Transfer.Outcome(o.rcpt(), switch (o.status()) {
                    case DELIVERED -> Transfer.Result.DELIVERED;
                    case FAILED -> Transfer.Result.FAILED;
                    case PENDING -> Transfer.Result.DEFERRED;
                }, o.code(), o.detail(), "-"));
            }
            e = apply(e, outcomes);
            if (!dir.save(e)) {
                return null;
            }
        }
        if (!remote.isEmpty()) {
            Payload payload;
            try {
                payload = payload(e);
            } catch (IOException ex) {
                payload = null;
                LOG.warn("event=queue-error id={} reason=\"unreadable message: {}\"", e.id(), String.valueOf(ex));
            }
            Progress p = new Progress(e);
            String sender = srs.outbound(e.sender()); // SRS: mail leaving for other domains, forwards above all
            if (!sender.equals(e.sender())) {
                LOG.info("event=srs-rewritten id={} from=<{}> to=<{}>", e.id(), e.sender(), sender);
            }
            for (Map.Entry<String, List<String>> d : remote.entrySet()) {
                if (payload == null) {
                    p.record(Transfer.all(d.getValue(), Transfer.Result.DEFERRED, 451,
                            "451 4.3.0 queued message unreadable", "-"));
                } else {
                    transfer.deliver(routes.route(d.getKey()), sender, d.getValue(), payload, p::record);
                }
                if (p.deleted) {
                    return null;
                }
            }
            e = p.entry;
        }
        Instant next = clock.instant();
        if (!e.pending().isEmpty()) {
            next = next.plus(backoff(attempts));
        }
        e = e.withAttempt(attempts, next);
        return dir.save(e) ? e : null;
    }

    /**
     * An attempt's entry as the outcomes come in: each batch is saved at once (the remote 250 is on disk before
     * QUIT), and {@code deleted} notes an entry removed meanwhile ({@code mailwarden queue delete}).
     */
    private final class Progress {
        QueueEntry entry;
        boolean deleted;

        Progress(QueueEntry entry) {
            this.entry = entry;
        }

        void record(List<Transfer.Outcome> outcomes) throws IOException {
            entry = apply(entry, outcomes);
            deleted |= !dir.save(entry);
        }
    }

    private static String human(Duration d) {
        return d.toDays() > 0 ? d.toDays() + " days" : d.toHours() > 0 ? d.toHours() + " hours"
                : d.toSeconds() + " seconds";
    }

    Duration backoff(int attempts) {
        Duration d = config.retryInitial();
        for (int i = 1; i < attempts && d.compareTo(config.retryMax()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(config.retryMax()) > 0 ? config.retryMax() : d;
    }

    private QueueEntry apply(QueueEntry e, List<Transfer.Outcome> outcomes) {
        for (Transfer.Outcome o : outcomes) {
            QueueEntry.Status s = switch (o.result()) {
                case DELIVERED -> QueueEntry.Status.DELIVERED;
                case FAILED -> QueueEntry.Status.FAILED;
                case DEFERRED -> QueueEntry.Status.PENDING;
            };
            e = e.withRecipient(o.rcpt(), r -> r.with(s, o.code(), o.detail(), o.host()));
            events.emit(new Event.DeliveryAttempt(e.id(), o.rcpt(), o.host(),
                    o.result().name().toLowerCase(Locale.ROOT), o.code(), o.detail()));
        }
        return e;
    }

    /**
     * What an attempt sends: the message file streamed (never held whole) to DKIM-sign it, to ARC-seal a forward
     * (an entry with our Authentication-Results) and to measure it; the file is streamed again to send it.
     */
    private Payload payload(QueueEntry e) throws IOException {
        Path file = dir.messageFile(e.id());
        byte[] prefix = signatures(e, file);
        if (e.authResults() != null) {
            prefix = concat(seal(e, prefix, file), prefix); // ARC sets go on top (RFC 8617 4.1)
        }
        return Payload.of(prefix, file);
    }

    /** DKIM-Signature fields for the message when its From domain is local and has keys; else nothing. */
    private byte[] signatures(QueueEntry e, Path file) throws IOException {
        String from;
        try (InputStream in = Files.newInputStream(file)) {
            from = fromDomain(in.readNBytes(HEADER_READ));
        }
        if (from == null || !directory.isLocalDomain(from)) {
            return new byte[0];
        }
        List<DkimKey> keys = dkim.forDomain(from);
        if (keys.isEmpty()) {
            return new byte[0];
        }
        try (InputStream in = Files.newInputStream(file)) {
            return String.join("", DkimSigner.sign(in, keys, clock.instant())).getBytes(StandardCharsets.ISO_8859_1);
        } catch (RuntimeException ex) {
            LOG.warn("event=dkim-error id={} reason=\"{}\"", e.id(), String.valueOf(ex));
            return new byte[0];
        }
    }

    /**
     * The ARC set (RFC 8617) for a forward of the message (already preceded by {@code dkimFields}): our results,
     * sealed with the RSA key of a local domain; nothing, and a log line, when it cannot be sealed.
     */
    private byte[] seal(QueueEntry e, byte[] dkimFields, Path file) throws IOException {
        DkimKey key = sealingKey();
        if (key == null) {
            LOG.info("event=arc-not-sealed id={} reason=\"no local domain has an RSA DKIM key\"", e.id());
            return new byte[0];
        }
        ArcSealer.Seal s;
        try (InputStream in = new SequenceInputStream(new ByteArrayInputStream(dkimFields),
                Files.newInputStream(file))) {
            s = sealer.seal(in, hostname.toLowerCase(Locale.ROOT), e.authResults(), key, clock.instant());
        } catch (RuntimeException ex) {
            LOG.warn("event=arc-not-sealed id={} reason=\"{}\"", e.id(), String.valueOf(ex));
            return new byte[0];
        }
        return switch (s) {
            case ArcSealer.Seal.Sealed(var chain, List<HeaderField> fields) -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
                fields.forEach(f -> out.writeBytes(f.bytes()));
                yield out.toByteArray();
            }
            case ArcSealer.Seal.NotSealed(var chain, String reason) -> {
                LOG.info("event=arc-not-sealed id={} reason=\"{}\"", e.id(), reason);
                yield new byte[0];
            }
        };
    }

    /**
     * The key forwards are sealed with: an RSA key (dkimpy, for one, rejects ed25519 ARC seals) of the local domain
     * the hostname is in, else of the first local domain (by name) that has one; null when none has.
     */
    private DkimKey sealingKey() {
        List<String> domains = directory.localDomains().stream().sorted(Comparator
                .comparing((String d) -> !hostname.toLowerCase(Locale.ROOT).endsWith("." + d))
                .thenComparing(d -> d)).toList();
        for (String d : domains) {
            for (DkimKey k : dkim.forDomain(d)) {
                if (!k.isEd25519()) {
                    return k;
                }
            }
        }
        return null;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** How much of the message is read for its From field: the header section's bound. */
    private static final int HEADER_READ = 256 * 1024;

    /** The domain of the first address in the From header field, lower case; null if there is none. */
    static String fromDomain(byte[] message) {
        String msg = new String(message, 0, Math.min(message.length, HEADER_READ), StandardCharsets.UTF_8);
        int end = msg.indexOf("\r\n\r\n");
        String header = end < 0 ? msg : msg.substring(0, end + 2);
        List<String> from = HeaderFields.values(header, "From");
        if (from.isEmpty()) {
            return null;
        }
        List<AddressList.Mailbox> boxes = AddressList.mailboxes(from.getFirst());
        return boxes.isEmpty() ? null : boxes.getFirst().domainLowerCase();
    }

    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        running = false;
        wake();
        if (loop != null) {
            try {
                loop.join(5000);
                // let deliveries in progress finish their current step (bounded)
                if (parallel.tryAcquire(MAX_PARALLEL, 10, TimeUnit.SECONDS)) {
                    parallel.release(MAX_PARALLEL);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
