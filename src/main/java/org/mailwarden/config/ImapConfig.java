package org.mailwarden.config;

import java.time.Duration;

/**
 * IMAP limits and timeouts (the {@code imap.*} settings of mailwarden.conf), part of {@link ServerConfig}.
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
        return load(new Source() {
            @Override
            public <T> T get(Setting<T> s) {
                return s.parse(s.defaultValue(), "default");
            }
        });
    }

    /** Where settings come from (the config file, resolved by ServerConfig). */
    interface Source {
        <T> T get(Setting<T> s);
    }

    static ImapConfig load(Source v) {
        return new ImapConfig(v.get(Settings.IMAP_MAX_LINE_LENGTH), v.get(Settings.IMAP_MAX_LITERAL_SIZE),
                v.get(Settings.IMAP_LOGIN_TIMEOUT), v.get(Settings.IMAP_IDLE_TIMEOUT),
                v.get(Settings.IMAP_IDLE_KEEPALIVE), v.get(Settings.IMAP_MAX_BAD_COMMANDS));
    }
}
