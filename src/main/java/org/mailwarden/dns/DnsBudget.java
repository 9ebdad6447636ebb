package org.mailwarden.dns;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one message may spend on DNS, in total, across its checks (SPF, iprev, DKIM, DMARC): at most a number of
 * queries sent (answers from the cache are free) and a deadline. The resolver answers {@code TempFailure} once
 * either is spent, without sending anything and without waiting past the deadline; a check then asks
 * {@link #exceeded()} which one it was (SPF: the time limit is a temperror, the query limit a permerror, RFC 7208
 * 4.6.4). Safe to share between threads.
 */
public final class DnsBudget {

    /** What ran out. */
    public enum Limit { QUERIES, TIME }

    private static final DnsBudget UNLIMITED = new DnsBudget(Integer.MAX_VALUE, Long.MAX_VALUE);

    private final int maxQueries;
    private final long deadlineNanos;
    private final AtomicInteger used = new AtomicInteger();
    private volatile Limit exceeded;

    private DnsBudget(int maxQueries, long deadlineNanos) {
        this.maxQueries = maxQueries;
        this.deadlineNanos = deadlineNanos;
    }

    /** A budget of at most {@code maxQueries} queries within {@code within} from now. */
    public static DnsBudget of(int maxQueries, Duration within) {
        if (maxQueries < 1 || within.isNegative() || within.isZero()) {
            throw new IllegalArgumentException("a DNS budget needs at least 1 query and a positive time, not "
                    + maxQueries + " queries in " + within);
        }
        long now = System.nanoTime();
        long nanos = within.toNanos();
        return new DnsBudget(maxQueries, nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos);
    }

    /** No limit but the resolver's own timeout per query (routing, tools). */
    public static DnsBudget unlimited() {
        return UNLIMITED;
    }

    /** Takes one query from the budget; false (and {@link #exceeded()} set) when none is left or time is up. */
    boolean take() {
        if (this == UNLIMITED) {
            return true;
        }
        if (remainingNanos() <= 0) {
            exceeded = Limit.TIME;
            return false;
        }
        if (used.incrementAndGet() > maxQueries) {
            used.decrementAndGet();
            exceeded = Limit.QUERIES;
            return false;
        }
        return true;
    }

    /** Nanoseconds left until the deadline (Long.MAX_VALUE when unlimited); marks TIME exceeded at zero. */
    long remainingNanos() {
        if (deadlineNanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            exceeded = Limit.TIME;
        }
        return left;
    }

    void timeUp() {
        exceeded = Limit.TIME;
    }

    /** Queries sent so far. */
    public int used() {
        return used.get();
    }

    public int maxQueries() {
        return maxQueries;
    }

    /** Which limit a lookup ran into, if one did. */
    public Optional<Limit> exceeded() {
        return Optional.ofNullable(exceeded);
    }

    @Override
    public String toString() {
        return this == UNLIMITED ? "DnsBudget[unlimited]" : "DnsBudget[used=" + used + "/" + maxQueries + "]";
    }
}
