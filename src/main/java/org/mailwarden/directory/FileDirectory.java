package org.mailwarden.directory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory kept in docker-mailserver's configuration files, so an existing docker-data/dms/config folder
 * works unchanged: postfix-accounts.cf (accounts and password hashes), postfix-virtual.cf (aliases and catch-alls)
 * and postfix-regexp.cf (regular-expression aliases). Missing files count as empty.
 *
 * <p>Files are re-read when they change, without a restart: at most once per reload interval a lookup compares
 * their modification time, size and identity with the last load (or call {@link #reloadIfChanged()}). Each load
 * builds a new immutable snapshot that replaces the old one in one volatile write, so lookups never lock and never
 * see a half-loaded state. Bad lines are logged, listed in {@link #problems()} and skipped.
 *
 * <p>Read-only: adding accounts is the command line's business.
 */
public final class FileDirectory implements Directory {

    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(1);
    public static final String DEFAULT_RECIPIENT_DELIMITER = "+";

    private static final Logger log = LoggerFactory.getLogger(FileDirectory.class);
    private static final List<String> FILES =
            List.of(ConfigParser.ACCOUNTS_FILE, ConfigParser.VIRTUAL_FILE, ConfigParser.REGEXP_FILE,
                    ConfigParser.SEND_ACCESS_FILE, ConfigParser.RECEIVE_ACCESS_FILE, ConfigParser.SENDER_LOGIN_FILE);

    /**
     * Verified against when the login is unknown, so that an unknown user takes about as long as a wrong password
     * and logins cannot be probed by timing. Its password is random and thrown away.
     */
    private static final String DUMMY_HASH = PasswordHashes.hash(randomPassword());

    private final Path configDir;
    private final long reloadIntervalNanos;
    private final Set<String> extraDomains;
    private final String recipientDelimiter;
    private final ReentrantLock reloadLock = new ReentrantLock();

    private volatile State state;
    private volatile long lastCheckNanos;
    private String lastReadError; // guarded by reloadLock; to log a persisting read error once, not every check

    /** What one load produced, and the file stamps it was produced from (null if nothing could be read). */
    private record State(ConfigSnapshot config, AliasResolver resolver, List<ConfigProblem> problems,
                         Map<String, FileStamp> stamps) {}

    /** What we compare to notice a changed file; fileKey (inode) catches a same-size replacement via rename. */
    private record FileStamp(FileTime modified, long size, Object fileKey) {}

    /** Reads {@code configDir} with the defaults: reload check every second, no extra domains, delimiter "+". */
    public FileDirectory(Path configDir) {
        this(configDir, DEFAULT_RELOAD_INTERVAL, Set.of(), DEFAULT_RECIPIENT_DELIMITER);
    }

    /**
     * @param configDir          the folder holding postfix-accounts.cf etc. (docker-data/dms/config)
     * @param reloadInterval     how often a lookup may check the files for changes; ZERO checks on every lookup
     * @param extraDomains       domains that are local even without an account or alias in them
     * @param recipientDelimiter characters that start an address extension (Postfix recipient_delimiter: each
     *                           character is a delimiter); "" disables sub-addressing
     */
    public FileDirectory(Path configDir, Duration reloadInterval, Set<String> extraDomains, String recipientDelimiter) {
        this.configDir = Objects.requireNonNull(configDir, "configDir");
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reloadInterval must not be negative: " + reloadInterval);
        }
        this.reloadIntervalNanos = reloadInterval.toNanos();
        this.extraDomains = extraDomains.stream()
                .map(d -> d.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.recipientDelimiter = Objects.requireNonNull(recipientDelimiter, "recipientDelimiter");
        reloadIfChanged();
    }

    public Path configDir() {
        return configDir;
    }

    /**
     * Re-reads the files if any of them changed (or appeared, or disappeared) since the last load.
     *
     * @return true if a new snapshot was loaded
     */
    public boolean reloadIfChanged() {
        reloadLock.lock();
        try {
            return reloadLocked();
        } finally {
            reloadLock.unlock();
        }
    }

    /** The problems found by the last load: malformed lines, unsupported hashes, aliases that cannot resolve. */
    public List<ConfigProblem> problems() {
        return current().problems();
    }

    @Override
    public Set<String> localDomains() {
        return current().config().domains();
    }

    @Override
    public Resolution resolve(String address) {
        return current().resolver().resolve(address);
    }

    @Override
    public Optional<Account> account(String address) {
        if (address == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(current().config().accounts().get(address.strip().toLowerCase(Locale.ROOT)));
    }

    @Override
    public boolean isRestricted(String address, Service service) {
        ConfigSnapshot config = current().config();
        String a = address.strip().toLowerCase(Locale.ROOT);
        return switch (service) {
            case SEND -> config.sendRestricted().contains(a);
            case RECEIVE -> config.receiveRestricted().contains(a);
        };
    }

    @Override
    public boolean mayUseSender(String login, String address) {
        String l = login.strip().toLowerCase(Locale.ROOT);
        String a = address.strip().toLowerCase(Locale.ROOT);
        if (a.equals(l)) {
            return true;
        }
        Map<String, Set<String>> granted = current().config().senderLogins();
        int at = a.lastIndexOf('@');
        if (granted.getOrDefault(a, Set.of()).contains(l)
                || at >= 0 && granted.getOrDefault(a.substring(at), Set.of()).contains(l)) {
            return true;
        }
        return resolve(a) instanceof Resolution.Deliver d && d.mailboxes().contains(l);
    }

    @Override
    public Optional<Account> authenticate(String login, char[] password) {
        if (password == null) {
            return Optional.empty();
        }
        Optional<Account> account = account(login);
        if (account.isEmpty()) {
            PasswordHashes.verify(DUMMY_HASH, password); // spend the time a real check would take
            return Optional.empty();
        }
        return PasswordHashes.verify(account.get().passwordHash(), password) ? account : Optional.empty();
    }

    /** The current state, after a change check if one is due. */
    private State current() {
        long now = System.nanoTime();
        if (now - lastCheckNanos >= reloadIntervalNanos && reloadLock.tryLock()) {
            // tryLock: while one thread re-reads the files, the others carry on with the current snapshot.
            try {
                reloadLocked();
            } finally {
                reloadLock.unlock();
            }
        }
        return state;
    }

    private boolean reloadLocked() {
        lastCheckNanos = System.nanoTime();
        Map<String, FileStamp> stamps;
        try {
            stamps = stamps();
        } catch (IOException e) {
            readFailed(e);
            return false;
        }
        if (state != null && stamps.equals(state.stamps())) {
            return false;
        }
        String[] texts = new String[FILES.size()];
        for (int i = 0; i < FILES.size(); i++) {
            try {
                texts[i] = read(FILES.get(i));
            } catch (IOException e) {
                readFailed(e);
                return false;
            }
        }
        lastReadError = null;
        ConfigSnapshot config = ConfigParser.parse(texts[0], texts[1], texts[2], texts[3], texts[4], texts[5],
                extraDomains);
        AliasResolver resolver = new AliasResolver(config, recipientDelimiter);
        List<ConfigProblem> problems = new ArrayList<>(config.problems());
        problems.addAll(resolver.audit());
        for (ConfigProblem problem : problems) {
            log.warn(problem.toLogLine());
        }
        state = new State(config, resolver, List.copyOf(problems), stamps);
        log.info("event=config-loaded dir=\"{}\" accounts={} aliases={} regexps={} domains={} problems={}",
                configDir, config.accounts().size(), config.aliases().size(), config.regexps().size(),
                config.domains().size(), problems.size());
        return true;
    }

    /**
     * A file exists but cannot be read (permissions, I/O error). Keep serving the last good configuration rather
     * than dropping every account, and keep the old stamps so the next check tries again.
     */
    private void readFailed(IOException e) {
        String message = "cannot read configuration: " + e;
        ConfigProblem problem = new ConfigProblem(configDir.toString(), 0, message);
        if (!message.equals(lastReadError)) {
            log.error(problem.toLogLine());
            lastReadError = message;
        }
        State old = state;
        state = old == null
                ? new State(ConfigSnapshot.EMPTY, new AliasResolver(ConfigSnapshot.EMPTY, recipientDelimiter),
                        List.of(problem), null) // null stamps: nothing was read, so any stamps count as a change
                : new State(old.config(), old.resolver(), List.of(problem), old.stamps());
    }

    private Map<String, FileStamp> stamps() throws IOException {
        Map<String, FileStamp> stamps = new HashMap<>();
        for (String file : FILES) {
            try {
                BasicFileAttributes attrs = Files.readAttributes(configDir.resolve(file), BasicFileAttributes.class);
                stamps.put(file, new FileStamp(attrs.lastModifiedTime(), attrs.size(), attrs.fileKey()));
            } catch (NoSuchFileException e) {
                // absent: no entry, so that appearing or disappearing counts as a change
            }
        }
        return Map.copyOf(stamps);
    }

    private String read(String file) throws IOException {
        try {
            // Decoding replaces bad UTF-8 rather than failing: a stray Latin-1 byte in a comment must not
            // make the whole file unreadable.
            return new String(Files.readAllBytes(configDir.resolve(file)), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('!' + random.nextInt(94));
        }
        return password;
    }
}
