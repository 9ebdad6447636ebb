package org.mailwarden.mailauth.dkim;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.mailauth.TxtLookup;

/**
 * The key lookups of one message: each {@code <selector>._domainkey.<domain>} is asked once, all of them at the same
 * time (virtual threads), and the message waits for them at most the budget in all, so unanswered queries cost one
 * timeout, not one per signature.
 */
public final class KeyFetcher {

    /** A usable key record, or the result and reason of a signature whose key is not. */
    public sealed interface Fetched {
        record Key(KeyRecord key) implements Fetched {}
        record Failed(DkimResult result, String reason) implements Fetched {}
    }

    private final TxtLookup lookup;
    private final long deadline;
    private final Duration budget;
    private final Map<String, CompletableFuture<Fetched>> pending = new HashMap<>();

    public KeyFetcher(TxtLookup lookup, Duration budget) {
        this.lookup = lookup;
        this.budget = budget;
        this.deadline = System.nanoTime() + budget.toNanos();
    }

    public static String name(String selector, String domain) {
        return selector + "._domainkey." + domain;
    }

    /** Starts the lookup (once per name). */
    public void start(String selector, String domain) {
        String name = name(selector, domain);
        pending.computeIfAbsent(name, n -> {
            CompletableFuture<Fetched> f = new CompletableFuture<>();
            Thread.ofVirtual().name("dkim-key-lookup").start(() -> {
                try {
                    f.complete(fetch(n));
                } catch (RuntimeException e) {
                    f.complete(new Fetched.Failed(DkimResult.TEMPERROR, "key lookup of " + n + " failed: " + e));
                }
            });
            return f;
        });
    }

    /** The key, waiting for it within the budget. */
    public Fetched get(String selector, String domain) {
        start(selector, domain);
        String name = name(selector, domain);
        CompletableFuture<Fetched> f = pending.get(name);
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new Fetched.Failed(DkimResult.TEMPERROR, "key lookup of " + name + " timed out (budget "
                    + budget.toMillis() + " ms)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Fetched.Failed(DkimResult.TEMPERROR, "key lookup of " + name + " interrupted");
        } catch (ExecutionException e) {
            return new Fetched.Failed(DkimResult.TEMPERROR, "key lookup of " + name + " failed: " + e.getCause());
        }
    }

    private Fetched fetch(String name) {
        Answer<String> a = lookup.txt(name);
        return switch (a) {
            case Answer.Found<String> found -> switch (KeyRecord.parse(found.values().getFirst())) {
                case KeyRecord.Parsed.Key k -> new Fetched.Key(k.key());
                case KeyRecord.Parsed.Revoked r -> new Fetched.Failed(DkimResult.PERMERROR, "key revoked (empty p=) at "
                        + name);
                case KeyRecord.Parsed.Bad b -> new Fetched.Failed(DkimResult.PERMERROR, b.reason() + " at " + name);
            };
            case Answer.NoSuchDomain<String> n -> new Fetched.Failed(DkimResult.PERMERROR, "no key: " + name
                    + " does not exist");
            case Answer.NoRecords<String> n -> new Fetched.Failed(DkimResult.PERMERROR, "no key: no TXT record at "
                    + name);
            case Answer.TempFailure<String> t -> new Fetched.Failed(DkimResult.TEMPERROR, "key lookup: "
                    + t.reason());
        };
    }
}
