package org.mailwarden.gate;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;
import org.mailwarden.config.PrivateFiles;
import org.mailwarden.events.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.mailwarden.files.AtomicFile;

/**
 * The built-in fail2ban. Subscribed to the event bus, it adds up the weights of an IP's failures (auth failures,
 * relay attempts, unknown recipients, protocol abuse) within {@code findtime}; at {@code maxretry} it bans the IP
 * (an IPv6 client's whole /64) for {@code bantime}, doubled for every earlier ban within the recidive window, up
 * to {@code max-bantime}, and permanently from the {@code permanent-after}-th ban if configured. IPs in the ignore
 * list are never banned. Bans are kept in {@code <stateDir>/bans}, rewritten atomically (temp file, fsync, rename)
 * on every change; bans that expired while the server was down are dropped when it loads.
 *
 * <p>Listeners registered with {@link #onBan} close the banned IP's open connections on every listener; the gate
 * refuses new ones. Time comes from an injectable {@link Clock}.
 */
public final class BanEngine implements Consumer<Event> {

    private static final Logger LOG = LoggerFactory.getLogger("mailwarden.events");
    private static final Logger F2B = LoggerFactory.getLogger("mailwarden.fail2ban");
    private static final int MAX_TRACKED = 100_000;

    /** One ban. {@code until} null = permanent; {@code count} = this IP's bans within the recidive window. */
    public record Ban(Cidr net, String reason, Instant since, Instant until, int count) {
        public String ip() {
            return Networks.display(net);
        }

        public boolean permanent() {
            return until == null;
        }

        boolean activeAt(Instant now) {
            return until == null || until.isAfter(now);
        }
    }

    private record Failure(long atMillis, int weight) {}

    private record History(int count, Instant lastBan) {}

    private final GateConfig.Ban config;
    private final List<Cidr> ignore;
    private final Path file;
    private final Clock clock;
    private final Map<Cidr, ArrayDeque<Failure>> failures = new HashMap<>();
    private final Map<Cidr, Ban> bans = new HashMap<>();
    private final Map<Cidr, History> history = new HashMap<>();
    private final List<Consumer<Ban>> banListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Ban>> unbanListeners = new CopyOnWriteArrayList<>();

    /**
     * @param ignore the effective ignore list (ban.ignore plus the trusted networks)
     * @param file   where bans persist (null = memory only)
     */
    public BanEngine(GateConfig.Ban config, List<Cidr> ignore, Path file, Clock clock) {
        this.config = config;
        this.ignore = List.copyOf(ignore);
        this.file = file;
        this.clock = clock;
        load();
    }

    public boolean enabled() {
        return config.enabled();
    }

    public GateConfig.Ban config() {
        return config;
    }

    /** Called (outside the engine's lock) after every new ban: the gate closes the IP's connections. */
    public void onBan(Consumer<Ban> listener) {
        banListeners.add(listener);
    }

    /** Called (outside the engine's lock) after every lifted ban (an expired one ends by its own timeout). */
    public void onUnban(Consumer<Ban> listener) {
        unbanListeners.add(listener);
    }

    public boolean ignored(InetAddress ip) {
        return Networks.contains(ignore, Networks.unmap(ip));
    }

    @Override
    public void accept(Event e) {
        if (!config.enabled()) {
            return;
        }
        int weight = config.weights().getOrDefault(e.name(), 0);
        if (config.fail2banLogFormat()) {
            Fail2banLines.line(e).ifPresent(F2B::info);
        }
        if (weight <= 0) {
            return;
        }
        InetAddress ip = ipOf(e);
        if (ip != null) {
            fail(ip, weight, e.name());
        }
    }

    /** Counts a failure of the given weight; returns the ban it caused, if any. */
    public Optional<Ban> fail(InetAddress ip, int weight, String reason) {
        if (!config.enabled() || weight <= 0 || ignored(ip)) {
            return Optional.empty();
        }
        Cidr unit = Networks.banUnit(ip);
        Ban ban;
        synchronized (this) {
            Instant now = clock.instant();
            Ban current = bans.get(unit);
            if (current != null && current.activeAt(now)) {
                return Optional.empty(); // already banned; its connections are being closed
            }
            long cutoff = now.toEpochMilli() - config.findTime().toMillis();
            ArrayDeque<Failure> q = failures.computeIfAbsent(unit, k -> new ArrayDeque<>());
            q.addLast(new Failure(now.toEpochMilli(), weight));
            int sum = 0;
            for (Iterator<Failure> it = q.iterator(); it.hasNext(); ) {
                Failure f = it.next();
                if (f.atMillis() <= cutoff) {
                    it.remove();
                } else {
                    sum += f.weight();
                }
            }
            if (sum < config.maxRetry()) {
                prune(now);
                return Optional.empty();
            }
            failures.remove(unit);
            ban = banLocked(unit, null, reason, now);
        }
        announce(ban);
        return Optional.of(ban);
    }

    /** A manual ban this long or longer is permanent: no one means a ban until the year 275 million. */
    public static final Duration PERMANENT_FROM = Duration.ofDays(36525);

    /**
     * Bans by hand (admin API). {@code duration} null = the escalated bantime; {@link #PERMANENT_FROM} or more (up
     * to {@code ChronoUnit.FOREVER}) = permanent.
     */
    public Ban ban(InetAddress ip, Duration duration, String reason) {
        if (!config.enabled()) {
            throw new IllegalStateException("the ban engine is off (ban.enabled = false / ENABLE_FAIL2BAN=0)");
        }
        if (ignored(ip)) {
            throw new IllegalArgumentException(ip.getHostAddress() + " is in the ignore list (ban.ignore, "
                    + "relay.trusted-networks) and is never banned");
        }
        Cidr unit = Networks.banUnit(ip);
        Ban ban;
        synchronized (this) {
            ban = banLocked(unit, duration, reason, clock.instant());
            failures.remove(unit);
        }
        announce(ban);
        return ban;
    }

    private Ban banLocked(Cidr unit, Duration duration, String reason, Instant exact) {
        Instant now = exact.truncatedTo(java.time.temporal.ChronoUnit.SECONDS); // readable in lists and logs
        History h = history.get(unit);
        int count = h != null && !h.lastBan().plus(config.recidiveWindow()).isBefore(now) ? h.count() + 1 : 1;
        Instant until;
        if (duration != null) {
            until = duration.compareTo(PERMANENT_FROM) >= 0 ? null : now.plus(duration);
        } else if (config.permanentAfter() > 0 && count >= config.permanentAfter()) {
            until = null;
        } else {
            Duration d = config.banTime();
            for (int i = 1; i < count && d.compareTo(config.maxBanTime()) < 0; i++) {
                d = d.multipliedBy(2);
            }
            if (d.compareTo(config.maxBanTime()) > 0) {
                d = config.maxBanTime();
            }
            until = now.plus(d);
        }
        Ban ban = new Ban(unit, reason, now, until, count);
        bans.put(unit, ban);
        history.put(unit, new History(count, now));
        persistLocked(now);
        return ban;
    }

    private void announce(Ban ban) {
        LOG.info("event=ban ip={} reason={} until={} count={}", ban.ip(), ban.reason(),
                ban.permanent() ? "permanent" : ban.until().toString(), ban.count());
        tell(banListeners, ban);
    }

    private static void tell(List<Consumer<Ban>> listeners, Ban ban) {
        for (Consumer<Ban> l : listeners) {
            try {
                l.accept(ban);
            } catch (RuntimeException e) {
                LOG.warn("event=ban-listener-failed ip={} reason=\"{}\"", ban.ip(), e.toString());
            }
        }
    }

    /** Lifts a ban; true if there was one. */
    public boolean unban(InetAddress ip) {
        Cidr unit = Networks.banUnit(ip);
        Ban removed;
        synchronized (this) {
            removed = bans.remove(unit);
            failures.remove(unit);
            if (removed != null) {
                persistLocked(clock.instant());
            }
        }
        if (removed != null) {
            LOG.info("event=unban ip={} reason=manual count={}", removed.ip(), removed.count());
            tell(unbanListeners, removed);
        }
        return removed != null;
    }

    /** The active ban covering {@code ip}, if any (none at all while the engine is off). */
    public Optional<Ban> banOf(InetAddress ip) {
        if (!config.enabled()) {
            return Optional.empty();
        }
        Cidr unit = Networks.banUnit(ip);
        synchronized (this) {
            Ban b = bans.get(unit);
            if (b == null) {
                return Optional.empty();
            }
            Instant now = clock.instant();
            if (b.activeAt(now)) {
                return Optional.of(b);
            }
            expireLocked(now);
            return Optional.empty();
        }
    }

    public boolean isBanned(InetAddress ip) {
        return banOf(ip).isPresent();
    }

    /** Active bans, soonest expiry first (permanent last). */
    public List<Ban> bans() {
        synchronized (this) {
            expireLocked(clock.instant());
            List<Ban> l = new ArrayList<>(bans.values());
            l.sort(Comparator.comparing(Ban::until, Comparator.nullsLast(Comparator.naturalOrder())));
            return l;
        }
    }

    /** The weighted failures currently counted against {@code ip} (tests, status). */
    public synchronized int failures(InetAddress ip) {
        ArrayDeque<Failure> q = failures.get(Networks.banUnit(ip));
        if (q == null) {
            return 0;
        }
        long cutoff = clock.millis() - config.findTime().toMillis();
        return q.stream().filter(f -> f.atMillis() > cutoff).mapToInt(Failure::weight).sum();
    }

    private void expireLocked(Instant now) {
        boolean changed = false;
        for (Iterator<Ban> it = bans.values().iterator(); it.hasNext(); ) {
            Ban b = it.next();
            if (!b.activeAt(now)) {
                it.remove();
                changed = true;
                LOG.info("event=unban ip={} reason=expired count={}", b.ip(), b.count());
            }
        }
        if (changed) {
            persistLocked(now);
        }
    }

    /** Keeps memory bounded under a flood of distinct addresses: drops stale failure and history entries. */
    private void prune(Instant now) {
        if (failures.size() + history.size() < MAX_TRACKED) {
            return;
        }
        long cutoff = now.toEpochMilli() - config.findTime().toMillis();
        failures.values().removeIf(q -> q.isEmpty() || q.peekLast().atMillis() <= cutoff);
        history.entrySet().removeIf(e -> e.getValue().lastBan().plus(config.recidiveWindow()).isBefore(now)
                && !bans.containsKey(e.getKey()));
        if (failures.size() >= MAX_TRACKED) {
            failures.clear(); // still flooded: forget counts rather than grow without bound
        }
    }

    private static InetAddress ipOf(Event e) {
        try {
            String ip = switch (e) {
                case Event.AuthFailure a -> a.origin().ip();
                case Event.RelayDenied r -> r.origin().ip();
                case Event.UnknownRecipient u -> u.origin().ip();
                case Event.Pregreet p -> p.origin().ip();
                case Event.UnauthPipelining p -> p.origin().ip();
                case Event.ProtocolError p -> p.origin().ip();
                case Event.TooManyErrors t -> t.origin().ip();
                case Event.TlsFailure t -> t.origin().ip();
                case Event.AuthSuccess a -> a.origin().ip();
                default -> null;
            };
            return ip == null ? null : InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    // --- persistence: "ban NET SINCE UNTIL|permanent COUNT REASON" and "history NET COUNT LASTBAN" lines ---

    private void persistLocked(Instant now) {
        if (file == null) {
            return;
        }
        StringBuilder sb = new StringBuilder("# Mailwarden bans, rewritten on every change. Edit with: mailwarden fail2ban\n");
        for (Ban b : bans.values()) {
            sb.append("ban ").append(b.net()).append(' ').append(b.since()).append(' ')
                    .append(b.until() == null ? "permanent" : b.until().toString()).append(' ').append(b.count())
                    .append(' ').append(b.reason()).append('\n');
        }
        for (Map.Entry<Cidr, History> e : history.entrySet()) {
            if (!e.getValue().lastBan().plus(config.recidiveWindow()).isBefore(now)) {
                sb.append("history ").append(e.getKey()).append(' ').append(e.getValue().count()).append(' ')
                        .append(e.getValue().lastBan()).append('\n');
            }
        }
        try {
            writeAtomically(file, sb.toString());
        } catch (IOException e) {
            LOG.error("event=ban-persist-failed file=\"{}\" reason=\"{}\"", file, e.toString());
        }
    }

    /** Replaces {@code target} atomically and durably, 0600 whatever the old file's mode (in a 0700 dir). */
    static void writeAtomically(Path target, String content) throws IOException {
        PrivateFiles.directory(target.toAbsolutePath().getParent());
        AtomicFile.writeBytes(target, PrivateFiles.FILE, content.getBytes(StandardCharsets.UTF_8));
    }

    private void load() {
        if (file == null || !Files.exists(file)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.error("event=ban-load-failed file=\"{}\" reason=\"{}\"", file, e.toString());
            return;
        }
        Instant now = clock.instant();
        int dropped = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            try {
                if (f[0].equals("ban") && f.length == 6) {
                    Instant until = f[3].equals("permanent") ? null : Instant.parse(f[3]);
                    Ban b = new Ban(Cidr.parse(f[1]), f[5], Instant.parse(f[2]), until, Integer.parseInt(f[4]));
                    if (b.activeAt(now)) {
                        bans.put(b.net(), b);
                    } else {
                        dropped++;
                    }
                } else if (f[0].equals("history") && f.length == 4) {
                    History h = new History(Integer.parseInt(f[2]), Instant.parse(f[3]));
                    if (!h.lastBan().plus(config.recidiveWindow()).isBefore(now)) {
                        history.merge(Cidr.parse(f[1]), h, (a, b) -> a.count() >= b.count() ? a : b);
                    }
                } else {
                    throw new IllegalArgumentException("unknown line");
                }
            } catch (RuntimeException e) {
                LOG.warn("event=config-error file={} line={} reason=\"malformed ban entry, skipped\"", file, i + 1);
            }
        }
        LOG.info("event=bans-loaded file=\"{}\" active={} expired-dropped={}", file, bans.size(), dropped);
        if (dropped > 0) {
            synchronized (this) {
                persistLocked(now);
            }
        }
    }
}
