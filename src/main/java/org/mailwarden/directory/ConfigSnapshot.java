package org.mailwarden.directory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable reading of the configuration files. {@link FileDirectory} swaps whole snapshots, so a lookup
 * never sees half of an old file and half of a new one.
 *
 * @param accounts login address to account
 * @param aliases  postfix-virtual.cf entries by key: "user@domain", or "@domain" for a catch-all
 * @param regexps  postfix-regexp.cf rules in file order (the first match wins)
 * @param domains  local domains
 * @param problems what was skipped while parsing
 * @param sendRestricted    accounts that may not send (postfix-send-access.cf, "address REJECT")
 * @param receiveRestricted addresses that may not receive (postfix-receive-access.cf)
 * @param senderLogins      postfix-sender-login-maps.cf: sender address (or "@domain") to the logins allowed to use it
 */
record ConfigSnapshot(Map<String, Account> accounts, Map<String, Alias> aliases, List<RegexpRule> regexps,
                      Set<String> domains, List<ConfigProblem> problems, Set<String> sendRestricted,
                      Set<String> receiveRestricted, Map<String, Set<String>> senderLogins) {

    static final ConfigSnapshot EMPTY = new ConfigSnapshot(Map.of(), Map.of(), List.of(), Set.of(), List.of(),
            Set.of(), Set.of(), Map.of());

    ConfigSnapshot {
        sendRestricted = Set.copyOf(sendRestricted);
        receiveRestricted = Set.copyOf(receiveRestricted);
        senderLogins = Map.copyOf(senderLogins);
        accounts = Map.copyOf(accounts);
        aliases = Map.copyOf(aliases);
        regexps = List.copyOf(regexps);
        domains = Set.copyOf(domains);
        problems = List.copyOf(problems);
    }

    /** A postfix-virtual.cf line: key, its targets (lower case, in file order) and where it was written. */
    record Alias(String key, List<String> targets, int line) {
        Alias {
            targets = List.copyOf(targets);
        }

        boolean isCatchAll() {
            return key.startsWith("@");
        }
    }
}
