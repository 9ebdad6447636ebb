package org.mailwarden.gate;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mailwarden.config.Cidr;

/**
 * Slows down distributed guessing of one account: failed logins for an account from IPs that never logged in to
 * it successfully are counted over a window; at the limit, logins for that account from such unknown IPs are
 * refused temporarily until the window has moved on. IPs the owner logged in from before (remembered in memory,
 * the last {@value #KNOWN_PER_ACCOUNT} per account) are never refused by this rule, so the owner is not locked out.
 */
final class AccountGuard {

    static final int KNOWN_PER_ACCOUNT = 32;
    private static final int MAX_ACCOUNTS = 100_000;

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<String, ArrayDeque<Long>> failures = new HashMap<>();
    private final Map<String, Set<Cidr>> known = new HashMap<>();

    AccountGuard(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    private static String norm(String account) {
        return account == null ? "" : account.strip().toLowerCase(Locale.ROOT);
    }

    synchronized void failure(String account, InetAddress ip) {
        if (limit <= 0 || account == null || account.isBlank()) {
            return;
        }
        String a = norm(account);
        Set<Cidr> k = known.get(a);
        if (k != null && k.contains(Networks.banUnit(ip))) {
            return; // the owner mistyped: does not count against the account
        }
        if (failures.size() > MAX_ACCOUNTS && !failures.containsKey(a)) {
            long cutoff = clock.millis() - window.toMillis();
            failures.values().removeIf(q -> q.isEmpty() || q.peekLast() <= cutoff);
        }
        ArrayDeque<Long> q = failures.computeIfAbsent(a, x -> new ArrayDeque<>());
        q.addLast(clock.millis());
        while (q.size() > limit) {
            q.removeFirst();
        }
    }

    synchronized void success(String account, InetAddress ip) {
        if (account == null || account.isBlank()) {
            return;
        }
        if (known.size() > MAX_ACCOUNTS && !known.containsKey(norm(account))) {
            known.clear();
        }
        Set<Cidr> k = known.computeIfAbsent(norm(account), x -> new LinkedHashSet<>());
        Cidr unit = Networks.banUnit(ip);
        k.remove(unit);
        k.add(unit);
        if (k.size() > KNOWN_PER_ACCOUNT) {
            Iterator<Cidr> it = k.iterator();
            it.next();
            it.remove();
        }
    }

    /** True when logins for {@code account} from {@code ip} are to be refused for now. */
    synchronized boolean throttled(String account, InetAddress ip) {
        if (limit <= 0) {
            return false;
        }
        String a = norm(account);
        ArrayDeque<Long> q = failures.get(a);
        if (q == null) {
            return false;
        }
        long cutoff = clock.millis() - window.toMillis();
        q.removeIf(t -> t <= cutoff);
        if (q.size() < limit) {
            return false;
        }
        Set<Cidr> k = known.get(a);
        return k == null || !k.contains(Networks.banUnit(ip));
    }
}
