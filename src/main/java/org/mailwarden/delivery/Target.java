package org.mailwarden.delivery;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Where a delivered copy goes in its account: a folder ("INBOX", or a Maildir++ folder such as "Junk") and the flags
 * it starts with (none: it is new mail, in new/; with flags it goes to cur/ with Maildir's {@code :2,} info).
 */
public record Target(String folder, Set<Flag> flags) {

    /** The account's INBOX, unflagged: where mail goes unless a step says otherwise. */
    public static final Target INBOX = new Target("INBOX", Set.of());

    /** IMAP's system flags as Maildir stores them, one letter each. */
    public enum Flag {
        DRAFT('D'), FLAGGED('F'), ANSWERED('R'), SEEN('S'), DELETED('T');

        private final char letter;

        Flag(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }
    }

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

    /** The Maildir info letters, in ASCII order as the maildir spec wants them ("" without flags). */
    public String maildirFlags() {
        StringBuilder b = new StringBuilder();
        for (Flag f : Flag.values()) { // declared in ASCII order of their letters
            if (flags.contains(f)) {
                b.append(f.letter());
            }
        }
        return b.toString();
    }

    /** The flags of Maildir info letters (unknown letters, keywords, are not flags and are dropped). */
    public static Set<Flag> flagsOf(String letters) {
        EnumSet<Flag> out = EnumSet.noneOf(Flag.class);
        for (Flag f : Flag.values()) {
            if (letters.indexOf(f.letter()) >= 0) {
                out.add(f);
            }
        }
        return out;
    }
}
