package org.mailwarden.directory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves recipient addresses against one {@link ConfigSnapshot}, following Postfix's virtual alias rules.
 *
 * <p>Lookup order for an address: exact alias in postfix-virtual.cf, account, postfix-regexp.cf; then the same
 * three for the address without its extension (user+tag@domain becomes user@domain); then the catch-all
 * {@code @domain}. The catch-all comes last, as in Postfix's virtual(5) lookup order, so that sub-addressing keeps
 * working in a domain that has a catch-all.
 *
 * <p>Targets are expanded recursively: a local target is looked up the same way, a target in another domain is a
 * forward. An alias that lists itself keeps a copy in its own mailbox (the Postfix idiom); any other cycle, a
 * chain deeper than {@value #MAX_DEPTH} or an unknown local target makes the whole resolution Broken, so that a
 * configuration mistake is reported instead of mail silently going to only some recipients.
 */
final class AliasResolver {

    static final int MAX_DEPTH = 20;
    /** Bounds the work for alias graphs that fan out and re-join (a diamond repeated 20 deep). */
    static final int MAX_LOOKUPS = 1000;

    private final ConfigSnapshot config;
    private final String delimiters;

    /** @param delimiters recipient delimiter characters; any of them starts the extension; "" disables. */
    AliasResolver(ConfigSnapshot config, String delimiters) {
        this.config = config;
        this.delimiters = delimiters;
    }

    Resolution resolve(String address) {
        String addr = address.strip().toLowerCase(Locale.ROOT);
        // The caller has checked the syntax (SMTP's RFC 5321 parser); the domain is what follows the last '@',
        // as a quoted local part may hold one too: "victim@foreign.test"@example.test is an address here.
        if (addr.lastIndexOf('@') <= 0 || !isLocal(addr)) {
            return new Resolution.NotLocal();
        }
        Expansion expansion = new Expansion();
        try {
            Lookup found = expansion.lookup(addr);
            if (found instanceof Lookup.Missing) {
                return new Resolution.UnknownUser();
            }
            expansion.deliver(addr, found, List.of());
            return new Resolution.Deliver(expansion.mailboxes, expansion.forwards);
        } catch (BrokenAlias e) {
            return new Resolution.Broken(e.getMessage());
        }
    }

    /**
     * Expands every postfix-virtual.cf entry once so that dangling targets and loops show up as configuration
     * problems at load time, not first when mail arrives.
     */
    List<ConfigProblem> audit() {
        List<ConfigProblem> problems = new ArrayList<>();
        List<ConfigSnapshot.Alias> aliases = new ArrayList<>(config.aliases().values());
        aliases.sort(Comparator.comparingInt(ConfigSnapshot.Alias::line));
        for (ConfigSnapshot.Alias alias : aliases) {
            try {
                new Expansion().deliver(alias.key(), targetsOf(alias), List.of());
            } catch (BrokenAlias e) {
                problems.add(new ConfigProblem(ConfigParser.VIRTUAL_FILE, alias.line(),
                        "alias " + alias.key() + " cannot be delivered: " + e.getMessage()));
            }
        }
        return problems;
    }

    private boolean isLocal(String address) {
        return config.domains().contains(Addresses.domain(address));
    }

    /** What one address maps to, before recursion. */
    private sealed interface Lookup {
        record Mailbox(String login) implements Lookup {}

        record Targets(List<String> targets, String source) implements Lookup {}

        record Invalid(String reason) implements Lookup {}

        record Missing() implements Lookup {}
    }

    /** Internal signal for a broken expansion; no stack trace, it is control flow. */
    private static final class BrokenAlias extends RuntimeException {
        BrokenAlias(String message) {
            super(message, null, false, false);
        }
    }

    private static Lookup.Targets targetsOf(ConfigSnapshot.Alias alias) {
        return new Lookup.Targets(alias.targets(), ConfigParser.VIRTUAL_FILE + " line " + alias.line());
    }

    /** The state of one resolution: what has been collected and how much work was done. */
    private final class Expansion {
        final Set<String> mailboxes = new LinkedHashSet<>();
        final Set<String> forwards = new LinkedHashSet<>();
        int lookups;

        Lookup lookup(String addr) {
            if (++lookups > MAX_LOOKUPS) {
                throw new BrokenAlias("alias expansion needs more than " + MAX_LOOKUPS + " lookups");
            }
            Lookup found = lookupExact(addr);
            if (!(found instanceof Lookup.Missing)) {
                return found;
            }
            Optional<String> base = withoutExtension(addr);
            if (base.isPresent()) {
                found = lookupExact(base.get());
                if (!(found instanceof Lookup.Missing)) {
                    return found;
                }
            }
            ConfigSnapshot.Alias catchAll = config.aliases().get("@" + Addresses.domain(addr));
            return catchAll != null ? targetsOf(catchAll) : new Lookup.Missing();
        }

        private Lookup lookupExact(String addr) {
            ConfigSnapshot.Alias alias = config.aliases().get(addr);
            if (alias != null) {
                return targetsOf(alias);
            }
            if (config.accounts().containsKey(addr)) {
                return new Lookup.Mailbox(addr);
            }
            for (RegexpRule rule : config.regexps()) {
                Optional<String> result = rule.apply(addr);
                if (result.isPresent()) {
                    String source = ConfigParser.REGEXP_FILE + " line " + rule.line();
                    List<String> targets = ConfigParser.splitTargets(result.get());
                    for (String target : targets) {
                        if (!Addresses.isAddress(target)) {
                            return new Lookup.Invalid(source + " turns " + addr + " into '" + target
                                    + "', which is not an address");
                        }
                    }
                    return targets.isEmpty() ? new Lookup.Invalid(source + " gives no target for " + addr)
                            : new Lookup.Targets(targets, source);
                }
            }
            return new Lookup.Missing();
        }

        /** user+tag@domain gives user@domain; the extension starts at the first delimiter character. */
        private Optional<String> withoutExtension(String addr) {
            String local = Addresses.localPart(addr);
            for (int i = 1; i < local.length(); i++) { // from 1: a local part that is all extension has no user
                if (delimiters.indexOf(local.charAt(i)) >= 0) {
                    return Optional.of(local.substring(0, i) + "@" + Addresses.domain(addr));
                }
            }
            return Optional.empty();
        }

        /** Adds what {@code addr} (already looked up as {@code found}) delivers to; path is how we got here. */
        void deliver(String addr, Lookup found, List<String> path) {
            switch (found) {
                case Lookup.Mailbox(String login) -> mailboxes.add(login);
                case Lookup.Invalid(String reason) -> throw new BrokenAlias(reason);
                case Lookup.Missing() -> throw new BrokenAlias(chain(path, addr) + ": unknown user");
                case Lookup.Targets(List<String> targets, String source) -> {
                    if (path.size() >= MAX_DEPTH) {
                        throw new BrokenAlias("alias chain deeper than " + MAX_DEPTH + ": " + chain(path, addr));
                    }
                    List<String> next = new ArrayList<>(path);
                    next.add(addr);
                    for (String target : targets) {
                        expandTarget(addr, target, source, next);
                    }
                }
            }
        }

        private void expandTarget(String addr, String target, String source, List<String> path) {
            if (target.equals(addr)) {
                // Postfix: an address that expands to itself is delivered as is, i.e. to its own mailbox.
                if (!config.accounts().containsKey(addr)) {
                    throw new BrokenAlias(addr + " resolves to itself (" + source + ") but is not an account");
                }
                mailboxes.add(addr);
            } else if (path.contains(target)) {
                throw new BrokenAlias("alias loop: " + chain(path, target));
            } else if (!isLocal(target)) {
                forwards.add(target);
            } else {
                deliver(target, lookup(target), path);
            }
        }

        private static String chain(List<String> path, String last) {
            List<String> all = new ArrayList<>(path);
            all.add(last);
            return String.join(" -> ", all);
        }
    }
}
