package org.mailwarden.gate;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.mailwarden.config.Cidr;
import org.mailwarden.directory.ConfigProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-account allowed networks (Dovecot's {@code allow_nets}), from {@code <configDir>/mailwarden-account-networks.cf}:
 * one {@code user@domain cidr[,cidr...]} per line, {@code #} comments. An account listed there may log in only
 * from its networks, on every protocol; unlisted accounts are not limited. The file is re-read when it changes
 * (checked at most once per reload interval, as the directory does); a malformed line is logged with its file
 * and line number and skipped.
 */
public final class AccountNetworks {

    public static final String FILE = "mailwarden-account-networks.cf";
    private static final Logger LOG = LoggerFactory.getLogger(AccountNetworks.class);

    private record Stamp(Object modified, long size, Object key) {}

    private record State(Map<String, List<Cidr>> nets, List<ConfigProblem> problems, Stamp stamp) {}

    private final Path file;
    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile State state = new State(Map.of(), List.of(), null);
    private volatile long lastCheck;
    private volatile boolean loaded;

    public AccountNetworks(Path configDir, Duration reloadInterval) {
        this.file = configDir.resolve(FILE);
        this.intervalNanos = reloadInterval.toNanos();
        reloadIfChanged();
    }

    /** True when {@code account} has no network list, or {@code ip} is in one of its networks. */
    public boolean allows(String account, InetAddress ip) {
        List<Cidr> nets = networks(account);
        return nets == null || Networks.contains(nets, ip);
    }

    /** The account's networks, or null when the account is not limited. */
    public List<Cidr> networks(String account) {
        if (account == null) {
            return null;
        }
        return current().nets().get(account.strip().toLowerCase(Locale.ROOT));
    }

    public List<ConfigProblem> problems() {
        return current().problems();
    }

    private State current() {
        long now = System.nanoTime();
        if (now - lastCheck >= intervalNanos && lock.tryLock()) {
            try {
                reloadLocked();
            } finally {
                lock.unlock();
            }
        }
        return state;
    }

    public boolean reloadIfChanged() {
        lock.lock();
        try {
            return reloadLocked();
        } finally {
            lock.unlock();
        }
    }

    private boolean reloadLocked() {
        lastCheck = System.nanoTime();
        Stamp stamp;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            stamp = new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            stamp = null;
        } catch (IOException e) {
            LOG.error(new ConfigProblem(FILE, 0, "cannot read: " + e).toLogLine());
            return false;
        }
        if (loaded && Objects.equals(stamp, state.stamp())) {
            return false;
        }
        String text;
        try {
            text = stamp == null ? "" : new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.error(new ConfigProblem(FILE, 0, "cannot read: " + e).toLogLine());
            return false;
        }
        State s = parse(text, stamp);
        for (ConfigProblem p : s.problems()) {
            LOG.warn(p.toLogLine());
        }
        state = s;
        if (loaded || !s.nets().isEmpty()) {
            LOG.info("event=config-loaded file={} accounts={} problems={}", FILE, s.nets().size(), s.problems().size());
        }
        loaded = true;
        return true;
    }

    private static State parse(String text, Stamp stamp) {
        Map<String, List<Cidr>> nets = new HashMap<>();
        List<ConfigProblem> problems = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+", 2);
            if (f.length < 2 || !f[0].matches("[^@\\s]+@[^@\\s]+")) {
                problems.add(new ConfigProblem(FILE, i + 1, "expected 'user@domain cidr[,cidr...]'"));
                continue;
            }
            List<Cidr> list = new ArrayList<>();
            try {
                for (String c : f[1].split("[,\\s]+")) {
                    if (!c.isBlank()) {
                        list.add(Cidr.parse(c));
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(FILE, i + 1, e.getMessage()));
                continue;
            }
            nets.merge(f[0].toLowerCase(Locale.ROOT), List.copyOf(list), (a, b) -> {
                List<Cidr> m = new ArrayList<>(a);
                m.addAll(b);
                return List.copyOf(m);
            });
        }
        return new State(Map.copyOf(nets), List.copyOf(problems), stamp);
    }
}
