package org.mailwarden.directory;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.mailwarden.config.ConfigFiles;

/**
 * Edits docker-mailserver's account tables the way its {@code setup} script does, for the command line:
 * postfix-accounts.cf ({@code user@domain|{SCHEME}hash}), postfix-virtual.cf ({@code alias target1,target2}),
 * postfix-send-access.cf / postfix-receive-access.cf ({@code user@domain REJECT}) and dovecot-quotas.cf
 * ({@code user@domain:10G}).
 *
 * <p>Every change goes through {@link ConfigFiles#write}: atomic, with a {@code .bak} of the previous version, and
 * every line it does not change (comments, malformed lines, other entries) kept as it was. A running server picks
 * the change up on its own (the directory re-reads changed files within a second).
 *
 * <p>A refused operation (duplicate, not found) throws {@link Refused}; invalid input throws
 * {@link IllegalArgumentException}. Messages never contain password hashes.
 */
public final class AccountFiles {

    public static final String ACCOUNTS_FILE = ConfigParser.ACCOUNTS_FILE;
    public static final String VIRTUAL_FILE = ConfigParser.VIRTUAL_FILE;
    public static final String QUOTAS_FILE = "dovecot-quotas.cf";

    private static final Pattern QUOTA = Pattern.compile("0|[1-9][0-9]{0,15}[BKMGT]?", Pattern.CASE_INSENSITIVE);

    /** docker-mailserver's per-address restrictions, each a Postfix access table of REJECT lines. */
    public enum Restriction {
        SEND("postfix-send-access.cf"), RECEIVE("postfix-receive-access.cf");

        public final String file;

        Restriction(String file) {
            this.file = file;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** An operation that cannot be done as asked: the account exists already, the alias does not, ... */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    /** One account for listing: never its hash. {@code quota} is null when none is set. */
    public record AccountInfo(String address, String quota, List<String> aliases, List<String> restrictions) {}

    private final Path configDir;
    private final int serverGroup;

    public AccountFiles(Path configDir) {
        this(configDir, ConfigFiles.NO_GROUP);
    }

    /**
     * With the group the server runs as (or {@link ConfigFiles#NO_GROUP}): a file these edits create gets it, with
     * group read, so that a server that dropped root can read an accounts file root created 0600.
     */
    public AccountFiles(Path configDir, int serverGroup) {
        this.configDir = configDir;
        this.serverGroup = serverGroup;
    }

    private void write(Path f, List<String> lines, Set<PosixFilePermission> newFilePermissions) throws IOException {
        ConfigFiles.write(f, lines, newFilePermissions, serverGroup);
    }

    public Path configDir() {
        return configDir;
    }

    public Path file(String name) {
        return configDir.resolve(name);
    }

    /** Lower-cases and validates {@code user@domain}. */
    public static String address(String text) {
        String a = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (!Addresses.isAddress(a)) {
            throw new IllegalArgumentException("'" + text + "' is not an address of the form user@domain");
        }
        return a;
    }

    /** An alias key: {@code user@domain}, or {@code @domain} for a catch-all. */
    public static String aliasKey(String text) {
        String a = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (a.startsWith("@") ? !Addresses.isDomain(a.substring(1)) : !Addresses.isAddress(a)) {
            throw new IllegalArgumentException("'" + text + "' is neither user@domain nor @domain (catch-all)");
        }
        return a;
    }

    /** A Dovecot quota size: 0 (unlimited), or a number with an optional B, K, M, G or T suffix. */
    public static String quotaSize(String text) {
        String s = text == null ? "" : text.strip();
        if (!QUOTA.matcher(s).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a quota size: use e.g. 500M, 10G, or 0 for unlimited");
        }
        return s.toUpperCase(Locale.ROOT);
    }

    // ---- accounts ------------------------------------------------------------------------------------------

    /** Account addresses in file order. */
    public List<String> accounts() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : ConfigFiles.readLines(file(ACCOUNTS_FILE))) {
            String key = accountKey(line);
            if (key != null && !out.contains(key)) {
                out.add(key);
            }
        }
        return out;
    }

    public boolean hasAccount(String address) throws IOException {
        return accounts().contains(address(address));
    }

    public void addAccount(String address, String passwordHash) throws IOException {
        String a = address(address);
        requireHash(passwordHash);
        Path f = file(ACCOUNTS_FILE);
        List<String> lines = ConfigFiles.readLines(f);
        if (lines.stream().anyMatch(l -> a.equals(accountKey(l)))) {
            throw new Refused("account " + a + " already exists (use 'email update' to change its password)");
        }
        lines.add(a + "|" + passwordHash);
        write(f, lines, ConfigFiles.PRIVATE);
    }

    /** Replaces the hash, keeping any further |fields of the line. */
    public void updateAccount(String address, String passwordHash) throws IOException {
        String a = address(address);
        requireHash(passwordHash);
        Path f = file(ACCOUNTS_FILE);
        List<String> lines = ConfigFiles.readLines(f);
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            if (a.equals(accountKey(lines.get(i)))) {
                String[] fields = lines.get(i).strip().split("\\|", -1);
                fields[0] = a;
                fields[1] = passwordHash;
                lines.set(i, String.join("|", fields));
                found = true;
                break; // the first line wins, as in the directory
            }
        }
        if (!found) {
            throw new Refused("account " + a + " does not exist (use 'email add' to create it)");
        }
        write(f, lines, ConfigFiles.PRIVATE);
    }

    /**
     * Removes the account, its quota and restrictions, and the address from alias targets (an alias left without
     * targets goes too). The mailbox stays on disk. Returns what else was removed, for the operator.
     */
    public List<String> deleteAccount(String address) throws IOException {
        String a = address(address);
        if (!removeLines(file(ACCOUNTS_FILE), l -> a.equals(accountKey(l)), ConfigFiles.PRIVATE)) {
            throw new Refused("account " + a + " does not exist");
        }
        List<String> notes = new ArrayList<>();
        if (removeLines(file(QUOTAS_FILE), l -> a.equals(quotaKey(l)), ConfigFiles.SHARED)) {
            notes.add("removed its quota");
        }
        for (Restriction r : Restriction.values()) {
            if (removeLines(file(r.file), l -> a.equals(firstToken(l)), ConfigFiles.SHARED)) {
                notes.add("removed its " + r.label() + " restriction");
            }
        }
        for (Map.Entry<String, List<String>> alias : aliases().entrySet()) {
            if (alias.getValue().contains(a)) {
                deleteAlias(alias.getKey(), a);
                notes.add("removed it from alias " + alias.getKey());
            }
        }
        return notes;
    }

    /** Accounts with their quota, the aliases that deliver to them and their restrictions. */
    public List<AccountInfo> list() throws IOException {
        Map<String, String> quotas = quotas();
        Map<String, List<String>> aliases = aliases();
        Map<Restriction, List<String>> restricted = new LinkedHashMap<>();
        for (Restriction r : Restriction.values()) {
            restricted.put(r, restricted(r));
        }
        List<AccountInfo> out = new ArrayList<>();
        for (String a : accounts()) {
            List<String> pointing = aliases.entrySet().stream().filter(e -> e.getValue().contains(a))
                    .map(Map.Entry::getKey).toList();
            List<String> restrictions = restricted.entrySet().stream().filter(e -> e.getValue().contains(a))
                    .map(e -> e.getKey().label()).toList();
            out.add(new AccountInfo(a, quotas.get(a), pointing, restrictions));
        }
        return out;
    }

    // ---- aliases -------------------------------------------------------------------------------------------

    /** postfix-virtual.cf entries in file order: key to targets (the first entry for a key wins). */
    public Map<String, List<String>> aliases() throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Entry e : virtualEntries(ConfigFiles.readLines(file(VIRTUAL_FILE)))) {
            out.putIfAbsent(e.key(), e.targets());
        }
        return out;
    }

    /** Adds a target: appended to the alias's line when the alias exists, else a new line. */
    public void addAlias(String alias, String target) throws IOException {
        String key = aliasKey(alias);
        String t = address(target);
        if (key.equals(t)) {
            throw new IllegalArgumentException("alias " + key + " cannot point to itself");
        }
        Path f = file(VIRTUAL_FILE);
        List<String> lines = ConfigFiles.readLines(f);
        Entry existing = findEntry(lines, key);
        if (existing == null) {
            lines.add(key + " " + t);
        } else if (existing.targets().contains(t)) {
            throw new Refused("alias " + key + " already delivers to " + t);
        } else {
            int last = existing.end() - 1;
            lines.set(last, lines.get(last).stripTrailing() + "," + t);
        }
        write(f, lines, ConfigFiles.SHARED);
    }

    /** Removes one target of an alias, or the whole alias when {@code target} is null. */
    public void deleteAlias(String alias, String target) throws IOException {
        String key = aliasKey(alias);
        Path f = file(VIRTUAL_FILE);
        List<String> lines = ConfigFiles.readLines(f);
        Entry existing = findEntry(lines, key);
        if (existing == null) {
            throw new Refused("alias " + key + " does not exist");
        }
        List<String> replacement = List.of();
        if (target != null) {
            String t = address(target);
            if (!existing.targets().contains(t)) {
                throw new Refused("alias " + key + " does not deliver to " + t + " (its targets: "
                        + String.join(",", existing.targets()) + ")");
            }
            List<String> rest = new ArrayList<>(existing.targets());
            rest.remove(t);
            if (!rest.isEmpty()) {
                replacement = List.of(key + " " + String.join(",", rest));
            }
        }
        List<String> out = new ArrayList<>(lines.subList(0, existing.start()));
        out.addAll(replacement);
        out.addAll(lines.subList(existing.end(), lines.size()));
        write(f, out, ConfigFiles.SHARED);
    }

    // ---- restrictions --------------------------------------------------------------------------------------

    public List<String> restricted(Restriction r) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : ConfigFiles.readLines(file(r.file))) {
            String key = firstToken(line);
            if (key != null && !out.contains(key)) {
                out.add(key);
            }
        }
        return out;
    }

    public void restrict(Restriction r, String address) throws IOException {
        String a = address(address);
        Path f = file(r.file);
        List<String> lines = ConfigFiles.readLines(f);
        if (lines.stream().anyMatch(l -> a.equals(firstToken(l)))) {
            throw new Refused(a + " is already restricted from " + verb(r));
        }
        lines.add(a + " REJECT");
        write(f, lines, ConfigFiles.SHARED);
    }

    public void unrestrict(Restriction r, String address) throws IOException {
        String a = address(address);
        if (!removeLines(file(r.file), l -> a.equals(firstToken(l)), ConfigFiles.SHARED)) {
            throw new Refused(a + " is not restricted from " + verb(r));
        }
    }

    private static String verb(Restriction r) {
        return r == Restriction.SEND ? "sending" : "receiving";
    }

    // ---- quotas --------------------------------------------------------------------------------------------

    public Map<String, String> quotas() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : ConfigFiles.readLines(file(QUOTAS_FILE))) {
            String key = quotaKey(line);
            if (key != null) {
                out.putIfAbsent(key, line.strip().substring(line.strip().lastIndexOf(':') + 1).strip());
            }
        }
        return out;
    }

    /** Sets (or replaces) the quota of an existing account. */
    public void setQuota(String address, String size) throws IOException {
        String a = address(address);
        String q = quotaSize(size);
        if (!accounts().contains(a)) {
            throw new Refused("account " + a + " does not exist; quotas are per account");
        }
        Path f = file(QUOTAS_FILE);
        List<String> lines = ConfigFiles.readLines(f);
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        for (String line : lines) {
            if (a.equals(quotaKey(line))) {
                if (!replaced) {
                    out.add(a + ":" + q);
                    replaced = true;
                }
            } else {
                out.add(line);
            }
        }
        if (!replaced) {
            out.add(a + ":" + q);
        }
        write(f, out, ConfigFiles.SHARED);
    }

    public void deleteQuota(String address) throws IOException {
        String a = address(address);
        if (!removeLines(file(QUOTAS_FILE), l -> a.equals(quotaKey(l)), ConfigFiles.SHARED)) {
            throw new Refused("account " + a + " has no quota set");
        }
    }

    // ---- line parsing --------------------------------------------------------------------------------------

    private static void requireHash(String hash) {
        if (hash == null || hash.isBlank() || hash.contains("|") || hash.contains("\n")) {
            throw new IllegalArgumentException("not a password hash");
        }
    }

    private static boolean isContent(String line) {
        String s = line.strip();
        return !s.isEmpty() && !s.startsWith("#");
    }

    /** The address of an accounts line, lower case; null for comments, blank and malformed lines. */
    private static String accountKey(String line) {
        if (!isContent(line)) {
            return null;
        }
        String s = line.strip();
        int bar = s.indexOf('|');
        if (bar < 0) {
            return null;
        }
        String a = s.substring(0, bar).strip().toLowerCase(Locale.ROOT);
        return Addresses.isAddress(a) ? a : null;
    }

    private static String quotaKey(String line) {
        if (!isContent(line)) {
            return null;
        }
        String s = line.strip();
        int colon = s.lastIndexOf(':');
        return colon < 1 ? null : s.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    }

    private static String firstToken(String line) {
        if (!isContent(line) || Character.isWhitespace(line.charAt(0))) {
            return null;
        }
        return line.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    }

    /** Removes matching lines; false (and no write) when none matched. */
    private boolean removeLines(Path f, Predicate<String> match, Set<PosixFilePermission> perms)
            throws IOException {
        List<String> lines = ConfigFiles.readLines(f);
        List<String> kept = lines.stream().filter(match.negate()).toList();
        if (kept.size() == lines.size()) {
            return false;
        }
        write(f, kept, perms);
        return true;
    }

    /** A postfix-virtual.cf entry: physical lines [start, end), with any indented continuation lines. */
    private record Entry(String key, List<String> targets, int start, int end) {}

    private static List<Entry> virtualEntries(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (!isContent(line) || Character.isWhitespace(line.charAt(0))) {
                i++;
                continue;
            }
            int end = i + 1;
            StringBuilder text = new StringBuilder(line.strip());
            while (end < lines.size() && isContent(lines.get(end)) && Character.isWhitespace(lines.get(end).charAt(0))) {
                text.append(' ').append(lines.get(end).strip());
                end++;
            }
            String[] keyAndRest = text.toString().split("\\s+", 2);
            List<String> targets = keyAndRest.length < 2 ? List.of() : ConfigParser.splitTargets(keyAndRest[1]);
            out.add(new Entry(keyAndRest[0].toLowerCase(Locale.ROOT), targets, i, end));
            i = end;
        }
        return out;
    }

    private static Entry findEntry(List<String> lines, String key) {
        return virtualEntries(lines).stream().filter(e -> e.key().equals(key)).findFirst().orElse(null);
    }

}
