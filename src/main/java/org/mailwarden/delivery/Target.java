package org.mailwarden.delivery;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.mailwarden.store.SystemFlag;

/**
 * Where a delivered copy goes in its account: a folder ("INBOX", or a folder such as "Junk") and the system flags it
 * starts with (none: it is new mail; Maildir keeps it in new/, and with flags in cur/ with the {@code :2,} info).
 */
public record Target(String folder, Set<SystemFlag> flags) {

    /** The account's INBOX, unflagged: where mail goes unless a step says otherwise. */
    public static final Target INBOX = new Target("INBOX", Set.of());

    public Target {
        Objects.requireNonNull(folder, "folder");
        if (folder.isBlank()) {
            throw new IllegalArgumentException("empty folder name");
        }
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
    }

    public static Target folder(String folder) {
        return new Target(folder, Set.of());
    }
}
