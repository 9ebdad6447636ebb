package org.mailwarden.smtp;

import java.util.Locale;
import java.util.Map;

/** One parsed SMTP command line. Parsing happens once, here; the session switches over these records. */
public sealed interface SmtpCommand {

    record Ehlo(String domain) implements SmtpCommand {}

    record Helo(String domain) implements SmtpCommand {}

    /** MAIL FROM:&lt;path&gt; with ESMTP parameters (upper-cased keys; value null for keyword-only). */
    record Mail(String path, Map<String, String> params) implements SmtpCommand {}

    record Rcpt(String path, Map<String, String> params) implements SmtpCommand {}

    record Data() implements SmtpCommand {}

    record Bdat(long size, boolean last) implements SmtpCommand {}

    record Rset() implements SmtpCommand {}

    record Noop() implements SmtpCommand {}

    record Quit() implements SmtpCommand {}

    record Help() implements SmtpCommand {}

    record Vrfy() implements SmtpCommand {}

    record Expn() implements SmtpCommand {}

    record StartTls() implements SmtpCommand {}

    /** AUTH mechanism [initial-response] (RFC 4954). */
    record Auth(String mechanism, String initialResponse) implements SmtpCommand {}

    /** A known verb with bad arguments: the reply says what is wrong. */
    record Invalid(Reply reply) implements SmtpCommand {}

    record Unknown(String verb) implements SmtpCommand {}

    static SmtpCommand parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
        return switch (verb) {
            case "EHLO" -> arg.isEmpty() ? syntax("EHLO requires a domain or address literal") : new Ehlo(firstWord(arg));
            case "HELO" -> arg.isEmpty() ? syntax("HELO requires a domain") : new Helo(firstWord(arg));
            case "MAIL" -> pathCommand(arg, "FROM:", true);
            case "RCPT" -> pathCommand(arg, "TO:", false);
            case "DATA" -> arg.isEmpty() ? new Data() : syntax("DATA takes no arguments");
            case "BDAT" -> bdat(arg);
            case "RSET" -> arg.isEmpty() ? new Rset() : syntax("RSET takes no arguments");
            case "NOOP" -> new Noop();
            case "QUIT" -> new Quit();
            case "HELP" -> new Help();
            case "VRFY" -> arg.isEmpty() ? syntax("VRFY requires an address") : new Vrfy();
            case "EXPN" -> arg.isEmpty() ? syntax("EXPN requires a list name") : new Expn();
            case "STARTTLS" -> arg.isEmpty() ? new StartTls() : syntax("STARTTLS takes no arguments");
            case "AUTH" -> auth(arg);
            default -> new Unknown(verb);
        };
    }

    private static String firstWord(String s) {
        int sp = s.indexOf(' ');
        return sp < 0 ? s : s.substring(0, sp);
    }

    private static Invalid syntax(String text) {
        return new Invalid(new Reply(501, "5.5.4", "Syntax: " + text));
    }

    private static SmtpCommand auth(String arg) {
        String[] parts = arg.split(" +");
        if (arg.isEmpty() || parts.length > 2) {
            return syntax("AUTH mechanism [initial-response]");
        }
        return new Auth(parts[0].toUpperCase(Locale.ROOT), parts.length == 2 ? parts[1] : null);
    }

    private static SmtpCommand bdat(String arg) {
        String[] parts = arg.split(" +");
        if (arg.isEmpty() || parts.length > 2 || (parts.length == 2 && !parts[1].equalsIgnoreCase("LAST"))) {
            return syntax("BDAT chunk-size [LAST]");
        }
        try {
            long size = Long.parseLong(parts[0]);
            if (size < 0 || !parts[0].chars().allMatch(Character::isDigit)) {
                return syntax("BDAT chunk-size must be a non-negative integer");
            }
            return new Bdat(size, parts.length == 2);
        } catch (NumberFormatException e) {
            return syntax("BDAT chunk-size must be a non-negative integer");
        }
    }

    /** "FROM:&lt;a@b&gt; SIZE=10" or "TO:&lt;a@b&gt;". A space after the colon is tolerated, as most servers do. */
    private static SmtpCommand pathCommand(String arg, String prefix, boolean mail) {
        if (arg.length() < prefix.length() || !arg.substring(0, prefix.length()).equalsIgnoreCase(prefix)) {
            return syntax(mail ? "MAIL FROM:<address>" : "RCPT TO:<address>");
        }
        String rest = arg.substring(prefix.length()).stripLeading();
        String path;
        String params;
        if (rest.startsWith("<")) {
            int end = closingBracket(rest);
            if (end < 0) {
                return syntax("unterminated <address>");
            }
            path = rest.substring(1, end);
            params = rest.substring(end + 1);
            if (!params.isEmpty() && !params.startsWith(" ")) {
                return syntax("expected a space after the address");
            }
        } else {
            // Lenient, like Postfix's default: an address without angle brackets.
            int sp = rest.indexOf(' ');
            path = sp < 0 ? rest : rest.substring(0, sp);
            params = sp < 0 ? "" : rest.substring(sp);
        }
        path = stripSourceRoute(path);
        if (!mail && path.isEmpty()) {
            return syntax("RCPT TO requires an address");
        }
        Map<String, String> p = new java.util.LinkedHashMap<>();
        for (String kv : params.strip().split(" +")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String key = (eq < 0 ? kv : kv.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (key.isEmpty() || p.containsKey(key)) {
                return syntax("bad or repeated parameter " + kv);
            }
            p.put(key, eq < 0 ? null : kv.substring(eq + 1));
        }
        return mail ? new Mail(path, p) : new Rcpt(path, p);
    }

    /** Index of the '&gt;' closing the path, skipping quoted parts ("a&gt;b"@example.com). */
    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /** RFC 5321 4.1.2: source routes (@a,@b:user@c) must be accepted and ignored. */
    private static String stripSourceRoute(String path) {
        if (path.startsWith("@")) {
            int colon = path.indexOf(':');
            return colon < 0 ? path : path.substring(colon + 1);
        }
        return path;
    }
}
