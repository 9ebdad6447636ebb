package org.mailwarden.config;

import java.time.Duration;

/**
 * POP3 limits and timeouts (the {@code pop3.*} settings of mailwarden.conf), part of {@link ServerConfig}.
 *
 * @param maxLineLength   longest command line (or SASL answer), CRLF included
 * @param loginTimeout    from the greeting until the login, in total
 * @param idleTimeout     after login, the time for each command line, silence included (RFC 1939: 10 minutes
 *                        at least); a stage deadline of the connection, like SMTP's command timeout
 * @param maxBadCommands  -ERR answers to bad commands before the session is closed
 * @param maxAuthFailures failed logins before the session is closed
 */
public record Pop3Config(int maxLineLength, Duration loginTimeout, Duration idleTimeout, int maxBadCommands,
        int maxAuthFailures) {

    /** Where settings come from (the config file, resolved by ServerConfig). */
    interface Source {
        <T> T get(Setting<T> s);
    }

    static Pop3Config load(Source v) {
        return new Pop3Config(v.get(Settings.POP3_MAX_LINE_LENGTH), v.get(Settings.POP3_LOGIN_TIMEOUT),
                v.get(Settings.POP3_IDLE_TIMEOUT), v.get(Settings.POP3_MAX_BAD_COMMANDS),
                v.get(Settings.POP3_MAX_AUTH_FAILURES));
    }
}
