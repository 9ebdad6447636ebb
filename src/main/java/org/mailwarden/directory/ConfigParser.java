package org.mailwarden.directory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads docker-mailserver's postfix-accounts.cf, postfix-virtual.cf and postfix-regexp.cf text into a
 * {@link ConfigSnapshot}. A bad line becomes a {@link ConfigProblem} and is skipped; nothing here throws on bad
 * content, so one typo cannot take the other accounts and aliases down with it.
 */
final class ConfigParser {

    static final String ACCOUNTS_FILE = "postfix-accounts.cf";
    static final String SEND_ACCESS_FILE = "postfix-send-access.cf";
    static final String RECEIVE_ACCESS_FILE = "postfix-receive-access.cf";
    static final String SENDER_LOGIN_FILE = "postfix-sender-login-maps.cf";
    static final String VIRTUAL_FILE = "postfix-virtual.cf";
    static final String REGEXP_FILE = "postfix-regexp.cf";

    private static final Pattern TARGET_SEPARATORS = Pattern.compile("[,\\s]+");

    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, Account> accounts = new HashMap<>();
    private final Map<String, ConfigSnapshot.Alias> aliases = new HashMap<>();
    private final List<RegexpRule> regexps = new ArrayList<>();
    private final Set<String> domains = new HashSet<>();

    private ConfigParser() {}

    /** A logical line of a file and the number of the physical line it starts on. */
    record Line(int number, String text) {}

    static ConfigSnapshot parse(String accountsText, String virtualText, String regexpText, Set<String> extraDomains) {
        return parse(accountsText, virtualText, regexpText, "", "", "", extraDomains);
    }

    static ConfigSnapshot parse(String accountsText, String virtualText, String regexpText, String sendAccessText,
            String receiveAccessText, String senderLoginText, Set<String> extraDomains) {
        ConfigParser parser = new ConfigParser();
        parser.parseAccounts(accountsText);
        parser.parseVirtual(virtualText);
        parser.parseRegexp(regexpText);
        for (String domain : extraDomains) {
            parser.domains.add(domain.toLowerCase(Locale.ROOT));
        }
        Set<String> send = parser.parseAccess(SEND_ACCESS_FILE, sendAccessText);
        Set<String> receive = parser.parseAccess(RECEIVE_ACCESS_FILE, receiveAccessText);
        Map<String, Set<String>> logins = parser.parseSenderLogins(senderLoginText);
        return new ConfigSnapshot(parser.accounts, parser.aliases, parser.regexps, parser.domains, parser.problems,
                send, receive, logins);
    }

    /**
     * docker-mailserver's restriction files ({@code setup email restrict}): {@code address REJECT} per line.
     * Any other action (OK, DUNNO) leaves the address unrestricted.
     */
    private Set<String> parseAccess(String file, String text) {
        Set<String> restricted = new java.util.HashSet<>();
        for (Line line : logicalLines(file, text)) {
            String[] f = line.text().strip().split("\\s+");
            if (f.length != 2 || !f[0].contains("@")) {
                problem(file, line.number(), "expected 'user@domain REJECT'");
                continue;
            }
            if (f[1].equalsIgnoreCase("REJECT") || f[1].toUpperCase(Locale.ROOT).startsWith("REJECT")) {
                restricted.add(f[0].toLowerCase(Locale.ROOT));
            }
        }
        return restricted;
    }

    /** Postfix smtpd_sender_login_maps: {@code sender-address login[,login...]}; {@code @domain} for a domain. */
    private Map<String, Set<String>> parseSenderLogins(String text) {
        Map<String, Set<String>> map = new java.util.HashMap<>();
        for (Line line : logicalLines(SENDER_LOGIN_FILE, text)) {
            String t = line.text().strip();
            int sp = t.indexOf(' ') < 0 ? t.indexOf('\t') : t.indexOf(' ');
            if (sp < 0 || !t.substring(0, sp).contains("@")) {
                problem(SENDER_LOGIN_FILE, line.number(), "expected 'sender@domain login[,login...]'");
                continue;
            }
            List<String> logins = splitTargets(t.substring(sp + 1));
            map.computeIfAbsent(t.substring(0, sp).toLowerCase(Locale.ROOT), k -> new java.util.HashSet<>())
                    .addAll(logins);
        }
        Map<String, Set<String>> frozen = new java.util.HashMap<>();
        map.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
        return frozen;
    }

    /** {@code user@domain|{SCHEME}hash[|ignored...]}, one per line. */
    private void parseAccounts(String text) {
        // Not a Postfix table (docker-mailserver's own format), so no continuation lines.
        String[] lines = stripBom(text).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            // Messages never quote the line: it holds a password hash, or for PLAIN the password itself.
            String[] fields = line.split("\\|", -1);
            if (fields.length < 2) {
                problem(ACCOUNTS_FILE, number, "expected address|{SCHEME}hash");
                continue;
            }
            String address = fields[0].strip().toLowerCase(Locale.ROOT);
            String hash = fields[1].strip();
            if (!Addresses.isAddress(address)) {
                problem(ACCOUNTS_FILE, number, "the first field is not an address of the form user@domain");
                continue;
            }
            if (hash.isEmpty()) {
                problem(ACCOUNTS_FILE, number, "account " + address + " has no password hash");
                continue;
            }
            if (accounts.containsKey(address)) {
                problem(ACCOUNTS_FILE, number, "duplicate account " + address + "; the first one is used");
                continue;
            }
            if (!PasswordHashes.isSupported(hash)) {
                // Still an account (it receives mail), but nobody can log in to it until the hash is fixed.
                problem(ACCOUNTS_FILE, number, "account " + address + ": unsupported or malformed password hash"
                        + " (scheme " + describeScheme(hash) + "); login is impossible");
            }
            accounts.put(address, new Account(address, hash));
            domains.add(Addresses.domain(address));
        }
    }

    /** {@code alias@domain target[,target...]} and catch-all {@code @domain target...}. */
    private void parseVirtual(String text) {
        for (Line line : logicalLines(VIRTUAL_FILE, text)) {
            String[] keyAndRest = line.text().split("\\s+", 2);
            String key = keyAndRest[0].toLowerCase(Locale.ROOT);
            boolean catchAll = key.startsWith("@");
            if (catchAll ? !Addresses.isDomain(key.substring(1)) : !Addresses.isAddress(key)) {
                problem(VIRTUAL_FILE, line.number(), "'" + keyAndRest[0]
                        + "' is neither user@domain nor @domain (bare names and domain lines are not supported)");
                continue;
            }
            if (keyAndRest.length < 2 || keyAndRest[1].isBlank()) {
                problem(VIRTUAL_FILE, line.number(), "alias " + key + " has no target");
                continue;
            }
            List<String> targets = new ArrayList<>();
            for (String target : splitTargets(keyAndRest[1])) {
                if (Addresses.isAddress(target)) {
                    if (!targets.contains(target)) {
                        targets.add(target);
                    }
                } else {
                    // Skip just this target: dropping the whole alias would bounce mail for its other members too.
                    problem(VIRTUAL_FILE, line.number(), "alias " + key + ": target '" + target
                            + "' is not an address of the form user@domain; ignored"
                            + (target.startsWith("#") ? " (Postfix has no comments after an entry)" : ""));
                }
            }
            if (targets.isEmpty()) {
                continue;
            }
            if (aliases.containsKey(key)) {
                problem(VIRTUAL_FILE, line.number(), "duplicate alias " + key + "; the one on line "
                        + aliases.get(key).line() + " is used");
                continue;
            }
            aliases.put(key, new ConfigSnapshot.Alias(key, targets, line.number()));
            domains.add(catchAll ? key.substring(1) : Addresses.domain(key));
        }
    }

    /** {@code /pattern/flags result} or {@code !/pattern/flags result}, as in Postfix regexp_table(5). */
    private void parseRegexp(String text) {
        for (Line line : logicalLines(REGEXP_FILE, text)) {
            String s = line.text();
            if (s.matches("(?i)(if|endif)\\b.*")) {
                problem(REGEXP_FILE, line.number(), "if/endif blocks are not supported");
                continue;
            }
            boolean negated = s.startsWith("!");
            int start = negated ? 1 : 0;
            char delimiter = start < s.length() ? s.charAt(start) : ' ';
            if (Character.isLetterOrDigit(delimiter) || Character.isWhitespace(delimiter) || delimiter == '\\') {
                problem(REGEXP_FILE, line.number(), "expected /pattern/ at the start of the line");
                continue;
            }
            int end = start + 1;
            while (end < s.length() && s.charAt(end) != delimiter) {
                end += s.charAt(end) == '\\' ? 2 : 1; // an escaped delimiter belongs to the pattern
            }
            if (end >= s.length()) {
                problem(REGEXP_FILE, line.number(), "pattern has no closing " + delimiter);
                continue;
            }
            String regex = s.substring(start + 1, end);
            int afterFlags = end + 1;
            while (afterFlags < s.length() && !Character.isWhitespace(s.charAt(afterFlags))) {
                afterFlags++;
            }
            String flags = s.substring(end + 1, afterFlags);
            String result = s.substring(afterFlags).strip();
            if (result.isEmpty()) {
                problem(REGEXP_FILE, line.number(), "pattern has no result");
                continue;
            }
            int patternFlags = Pattern.CASE_INSENSITIVE; // Postfix's default
            String badFlag = null;
            for (char flag : flags.toCharArray()) {
                switch (flag) {
                    case 'i' -> patternFlags ^= Pattern.CASE_INSENSITIVE;
                    case 'm' -> patternFlags ^= Pattern.MULTILINE;
                    default -> badFlag = badFlag == null ? String.valueOf(flag) : badFlag;
                }
            }
            if (badFlag != null) {
                problem(REGEXP_FILE, line.number(), "unsupported flag '" + badFlag + "' (supported: i, m)");
                continue;
            }
            Pattern pattern;
            try {
                pattern = Pattern.compile(regex, patternFlags);
            } catch (PatternSyntaxException e) {
                problem(REGEXP_FILE, line.number(), "invalid pattern: " + e.getDescription());
                continue;
            }
            try {
                RegexpRule.substitute(result, negated ? 0 : pattern.matcher("").groupCount(), n -> "");
            } catch (IllegalArgumentException e) {
                problem(REGEXP_FILE, line.number(), e.getMessage());
                continue;
            }
            regexps.add(new RegexpRule(pattern, negated, result, line.number()));
        }
    }

    /** Targets as written in a table: separated by commas and/or whitespace, lower-cased. */
    static List<String> splitTargets(String text) {
        List<String> targets = new ArrayList<>();
        for (String target : TARGET_SEPARATORS.split(text.strip())) {
            if (!target.isEmpty()) {
                targets.add(target.toLowerCase(Locale.ROOT));
            }
        }
        return targets;
    }

    /**
     * Postfix table lines: blank lines and lines whose first non-blank character is '#' are ignored, and a line
     * starting with whitespace continues the previous logical line. Comments are whole lines only, as in Postfix.
     */
    private List<Line> logicalLines(String file, String text) {
        List<Line> result = new ArrayList<>();
        String[] physical = stripBom(text).split("\r?\n", -1);
        int startNumber = 0;
        StringBuilder current = null;
        for (int i = 0; i < physical.length; i++) {
            String raw = physical[i].stripTrailing();
            String stripped = raw.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(raw.charAt(0))) {
                if (current == null) {
                    problem(file, i + 1, "indented line continues nothing (Postfix reads leading whitespace as"
                            + " a continuation)");
                } else {
                    current.append(' ').append(stripped);
                }
                continue;
            }
            if (current != null) {
                result.add(new Line(startNumber, current.toString()));
            }
            current = new StringBuilder(stripped);
            startNumber = i + 1;
        }
        if (current != null) {
            result.add(new Line(startNumber, current.toString()));
        }
        return result;
    }

    private void problem(String file, int line, String message) {
        problems.add(new ConfigProblem(file, line, message));
    }

    private static String describeScheme(String hash) {
        String scheme = PasswordHashes.scheme(hash);
        return scheme.isEmpty() ? "unreadable" : scheme;
    }

    private static String stripBom(String text) {
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
