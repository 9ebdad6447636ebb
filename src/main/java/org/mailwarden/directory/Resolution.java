package org.mailwarden.directory;

import java.util.Set;

/** The outcome of resolving a recipient address through aliases, catch-alls and sub-addressing. */
public sealed interface Resolution {

    /** Deliver to these local accounts (login addresses) and forward to these non-local addresses. */
    record Deliver(Set<String> mailboxes, Set<String> forwards) implements Resolution {
        public Deliver {
            mailboxes = Set.copyOf(mailboxes);
            forwards = Set.copyOf(forwards);
        }
    }

    /** The domain is local but nothing matches the address. */
    record UnknownUser() implements Resolution {}

    /** The domain is not one of ours. */
    record NotLocal() implements Resolution {}

    /** Alias expansion failed (loop or too deep); the reason is for the log. */
    record Broken(String reason) implements Resolution {}
}
