package org.mailwarden.gate;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;

/**
 * Per-IP limits over all listeners (postfix anvil): open connections at once, and connection attempts per period.
 * Keyed by the ban unit, so an IPv6 client counts for its whole /64. Attempts that are refused count too, so a
 * client that keeps hammering stays refused.
 */
final class ConnectionLimiter {

    private static final int PRUNE_AT = 50_000;

    private final int maxPerIp;
    private final GateConfig.Rate rate;
    private final Map<Cidr, Integer> open = new HashMap<>();
    private final Map<Cidr, ArrayDeque<Long>> attempts = new HashMap<>();

    ConnectionLimiter(int maxPerIp, GateConfig.Rate rate) {
        this.maxPerIp = maxPerIp;
        this.rate = rate;
    }

    /** Null when the connection may open (and is then counted until {@link #release}), else the refusal reason. */
    synchronized String tryOpen(Cidr unit, long nowMillis) {
        if (rate.limited()) {
            ArrayDeque<Long> q = attempts.computeIfAbsent(unit, k -> new ArrayDeque<>());
            boolean allowed = q.size() < rate.count() || q.peekFirst() <= nowMillis - rate.per().toMillis();
            q.addLast(nowMillis);
            while (q.size() > rate.count()) {
                q.removeFirst();
            }
            if (attempts.size() > PRUNE_AT) {
                long cutoff = nowMillis - rate.per().toMillis();
                attempts.values().removeIf(d -> d.peekLast() <= cutoff);
            }
            if (!allowed) {
                return "connection-rate-limit";
            }
        }
        int n = open.getOrDefault(unit, 0);
        if (maxPerIp > 0 && n >= maxPerIp) {
            return "too-many-connections-from-ip";
        }
        open.put(unit, n + 1);
        return null;
    }

    synchronized void release(Cidr unit) {
        open.computeIfPresent(unit, (k, n) -> n <= 1 ? null : n - 1);
    }

    synchronized int open(Cidr unit) {
        return open.getOrDefault(unit, 0);
    }
}
