package org.mailwarden.pop3;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A POP3 command line, parsed once (RFC 1939 5-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH); the session is a
 * switch over these. LAST and APOP are not offered: they parse as {@link Unknown}.
 */
sealed interface Pop3Command {

    record Capa() implements Pop3Command {}

    record Stls() implements Pop3Command {}

    record User(String name) implements Pop3Command {}

    /** The rest of the line after "PASS ": a password may contain spaces. */
    record Pass(String password) implements Pop3Command {}

    /** {@code mechanism} upper-cased, null for a bare AUTH (which lists the mechanisms); {@code initial} may be null. */
    record Auth(String mechanism, String initial) implements Pop3Command {}

    record Stat() implements Pop3Command {}

    /** LIST, of one message or (null) of all. */
    record ListMessages(Integer message) implements Pop3Command {}

    /** UIDL, of one message or (null) of all. */
    record Uidl(Integer message) implements Pop3Command {}

    record Top(int message, long lines) implements Pop3Command {}

    record Retr(int message) implements Pop3Command {}

    record Dele(int message) implements Pop3Command {}

    record Rset() implements Pop3Command {}

    record Noop() implements Pop3Command {}

    record Quit() implements Pop3Command {}

    /** A known verb with bad arguments: the text says what is wrong. */
    record Invalid(String message) implements Pop3Command {}

    record Unknown(String verb) implements Pop3Command {}

    /** Parses one command line (without its CRLF). */
    static Pop3Command parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String rest = sp < 0 ? "" : line.substring(sp + 1);
        String[] args = words(rest);
        return switch (verb) {
            case "CAPA" -> none(args, new Capa());
            case "STLS" -> none(args, new Stls());
            case "STAT" -> none(args, new Stat());
            case "RSET" -> none(args, new Rset());
            case "NOOP" -> none(args, new Noop());
            case "QUIT" -> none(args, new Quit());
            case "USER" -> rest.isBlank() ? new Invalid("USER needs a name.") : new User(rest.strip());
            case "PASS" -> sp < 0 ? new Invalid("PASS needs a password.") : new Pass(rest);
            case "AUTH" -> switch (args.length) {
                case 0 -> new Auth(null, null);
                case 1 -> new Auth(args[0].toUpperCase(Locale.ROOT), null);
                case 2 -> new Auth(args[0].toUpperCase(Locale.ROOT), args[1]);
                default -> new Invalid("AUTH takes a mechanism and an optional initial response.");
            };
            case "LIST", "UIDL" -> {
                if (args.length > 1) {
                    yield new Invalid(verb + " takes at most one message number.");
                }
                Integer n = args.length == 0 ? null : number(args[0]);
                if (args.length == 1 && n == null) {
                    yield invalidNumber(args[0]);
                }
                yield verb.equals("LIST") ? new ListMessages(n) : new Uidl(n);
            }
            case "RETR", "DELE" -> {
                Integer n = args.length == 1 ? number(args[0]) : null;
                if (n == null) {
                    yield args.length == 1 ? invalidNumber(args[0]) : new Invalid(verb + " takes one message number.");
                }
                yield verb.equals("RETR") ? new Retr(n) : new Dele(n);
            }
            case "TOP" -> {
                if (args.length != 2) {
                    yield new Invalid("TOP takes a message number and a number of lines.");
                }
                Integer n = number(args[0]);
                if (n == null) {
                    yield invalidNumber(args[0]);
                }
                if (!args[1].chars().allMatch(c -> c >= '0' && c <= '9') || args[1].length() > 18) {
                    yield new Invalid("Invalid number of lines: " + shorten(args[1]));
                }
                yield new Top(n, Long.parseLong(args[1]));
            }
            default -> new Unknown(shorten(verb));
        };
    }

    /** The arguments: separated by spaces (RFC 1939 3: one; more are tolerated). */
    private static String[] words(String s) {
        List<String> out = new ArrayList<>(2);
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && s.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
            i++;
        }
        return out.toArray(String[]::new);
    }

    private static Pop3Command none(String[] args, Pop3Command c) {
        return args.length == 0 ? c : new Invalid("The command takes no arguments.");
    }

    /** A message number (RFC 1939: 1*DIGIT, from 1); null when it is not one. */
    private static Integer number(String s) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        int n = Integer.parseInt(s);
        return n == 0 ? null : n;
    }

    private static Invalid invalidNumber(String s) {
        return new Invalid("Invalid message number: " + shorten(s));
    }

    /** Client text echoed in a reply: short and printable. */
    private static String shorten(String s) {
        String t = s.length() > 32 ? s.substring(0, 32) : s;
        return t.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
