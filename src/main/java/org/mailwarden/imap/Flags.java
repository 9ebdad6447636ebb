package org.mailwarden.imap;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mailwarden.store.MessageFlags;
import org.mailwarden.store.SystemFlag;

/** IMAP flag names to and from the store's typed flags (RFC 3501 2.3.2). */
final class Flags {

    static final String SYSTEM = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

    private Flags() {}

    /** The system flag an IMAP flag names, or empty when it is not one. */
    static Optional<SystemFlag> system(String flag) {
        return Optional.ofNullable(switch (flag.toLowerCase(Locale.ROOT)) {
            case "\\seen" -> SystemFlag.SEEN;
            case "\\answered" -> SystemFlag.ANSWERED;
            case "\\flagged" -> SystemFlag.FLAGGED;
            case "\\deleted" -> SystemFlag.DELETED;
            case "\\draft" -> SystemFlag.DRAFT;
            default -> null;
        });
    }

    static String name(SystemFlag f) {
        return switch (f) {
            case SEEN -> "\\Seen";
            case ANSWERED -> "\\Answered";
            case FLAGGED -> "\\Flagged";
            case DELETED -> "\\Deleted";
            case DRAFT -> "\\Draft";
        };
    }

    /** A message's flags as IMAP lists them: system flags, keywords, then \Recent if {@code recent}. */
    static String imap(MessageFlags flags, boolean recent) {
        List<String> names = new ArrayList<>(flags.system().size() + flags.keywords().size() + 1);
        for (SystemFlag f : flags.system()) {
            names.add(name(f));
        }
        names.addAll(flags.keywords());
        if (recent) {
            names.add("\\Recent");
        }
        return String.join(" ", names);
    }

    /** IMAP flags as the store's: \Recent and unknown system flags are ignored. */
    static MessageFlags parse(List<String> flags) {
        EnumSet<SystemFlag> system = EnumSet.noneOf(SystemFlag.class);
        LinkedHashSet<String> keywords = new LinkedHashSet<>();
        for (String f : flags) {
            Optional<SystemFlag> s = system(f);
            if (s.isPresent()) {
                system.add(s.get());
            } else if (!f.startsWith("\\")) {
                keywords.add(f);
            }
        }
        return new MessageFlags(system, keywords);
    }

    /** Keyword names valid as atoms, for FLAGS/PERMANENTFLAGS. */
    static String keywordList(List<String> keywords) {
        StringBuilder sb = new StringBuilder();
        for (String k : keywords) {
            if (!k.isEmpty()) {
                sb.append(' ').append(k);
            }
        }
        return sb.toString();
    }
}
