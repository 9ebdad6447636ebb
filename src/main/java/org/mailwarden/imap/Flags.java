package org.mailwarden.imap;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mailwarden.store.MaildirFolder;

/** IMAP system flags and keywords to and from Maildir info letters (maildir spec, Dovecot keywords a-z). */
final class Flags {

    static final String SYSTEM = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

    private Flags() {}

    /** The Maildir letter of a system flag, or 0 when it is not one. */
    static char letter(String flag) {
        return switch (flag.toLowerCase(Locale.ROOT)) {
            case "\\seen" -> 'S';
            case "\\answered" -> 'R';
            case "\\flagged" -> 'F';
            case "\\deleted" -> 'T';
            case "\\draft" -> 'D';
            default -> 0;
        };
    }

    static String imap(MaildirFolder.Message m, List<String> keywords, boolean recent) {
        StringBuilder sb = new StringBuilder();
        for (char c : m.flags().toCharArray()) {
            String f = switch (c) {
                case 'S' -> "\\Seen";
                case 'R' -> "\\Answered";
                case 'F' -> "\\Flagged";
                case 'T' -> "\\Deleted";
                case 'D' -> "\\Draft";
                default -> c >= 'a' && c <= 'z' && c - 'a' < keywords.size() && !keywords.get(c - 'a').isEmpty()
                        ? keywords.get(c - 'a') : null;
            };
            if (f != null) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(f);
            }
        }
        if (recent) {
            sb.append(sb.isEmpty() ? "" : " ").append("\\Recent");
        }
        return sb.toString();
    }

    /**
     * The letters for IMAP flags; keywords get a letter in the folder's keyword file ({@code create}).
     * \Recent and unknown system flags are ignored; a keyword that finds no free letter is left out.
     */
    static String letters(List<String> flags, MaildirFolder folder, boolean create) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String f : flags) {
            char l = letter(f);
            if (l != 0) {
                sb.append(l);
            } else if (!f.startsWith("\\")) {
                Optional<Character> k = folder.keywordLetter(f, create);
                k.ifPresent(sb::append);
            }
        }
        return sb.toString();
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
