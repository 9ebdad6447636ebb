package org.mailwarden.store;

import java.util.Set;

/** The system flags as Maildir info letters (maildir spec): D draft, F flagged, R replied, S seen, T trashed. */
public final class MaildirLetters {

    /** The letters of the system flags, in ASCII order. */
    public static final String SYSTEM = "DFRST";

    private MaildirLetters() {}

    public static char of(SystemFlag f) {
        return switch (f) {
            case DRAFT -> 'D';
            case FLAGGED -> 'F';
            case ANSWERED -> 'R';
            case SEEN -> 'S';
            case DELETED -> 'T';
        };
    }

    /** The letters of system flags, in ASCII order as the maildir spec wants them ("" for none). */
    public static String of(Set<SystemFlag> flags) {
        StringBuilder b = new StringBuilder(flags.size());
        for (SystemFlag f : SystemFlag.values()) { // declared in the ASCII order of their letters
            if (flags.contains(f)) {
                b.append(of(f));
            }
        }
        return b.toString();
    }
}
