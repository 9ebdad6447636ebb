package org.mailwarden.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * IMAP limits and timeouts (the {@code imap.*} settings of mailwarden.conf).
 *
 * @param maxLineLength  longest command line, literals not counted
 * @param maxLiteralSize largest literal (APPEND)
 * @param loginTimeout   inactivity allowed before login
 * @param idleTimeout    inactivity allowed after login, IDLE included (RFC 3501 5.4: 30 minutes at least)
 * @param idleKeepalive  how often a client in IDLE hears "still here"
 * @param maxBadCommands BAD responses before the session is closed
 */
public record ImapConfig(int maxLineLength, long maxLiteralSize, Duration loginTimeout, Duration idleTimeout,
        Duration idleKeepalive, int maxBadCommands) {

    public static ImapConfig defaults() {
        return from(Map.of());
    }

    /** Reads the imap.* settings from {@code <configDir>/mailwarden.conf} (no environment variables). */
    public static ImapConfig load(Path configDir) {
        return from(ServerConfig.readFile(configDir.resolve(ServerConfig.CONFIG_FILE)));
    }

    static ImapConfig from(Map<String, String> file) {
        return new ImapConfig(get(file, Settings.IMAP_MAX_LINE_LENGTH), get(file, Settings.IMAP_MAX_LITERAL_SIZE),
                get(file, Settings.IMAP_LOGIN_TIMEOUT), get(file, Settings.IMAP_IDLE_TIMEOUT),
                get(file, Settings.IMAP_IDLE_KEEPALIVE), get(file, Settings.IMAP_MAX_BAD_COMMANDS));
    }

    private static <T> T get(Map<String, String> file, Setting<T> s) {
        return file.containsKey(s.key()) ? s.parse(file.get(s.key()), ServerConfig.CONFIG_FILE)
                : s.parse(s.defaultValue(), "default");
    }
}
