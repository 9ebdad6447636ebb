package org.mailwarden.config.audit;

import java.util.Objects;

/**
 * One result of a configuration check.
 *
 * @param id      stable identifier, {@code area.problem} (e.g. {@code tls.expiring}); scripts and docs rely on it
 * @param message what is wrong, naming the file, setting or address concerned (never a secret)
 * @param fix     what to do about it, as a command or setting where possible
 */
public record Finding(Severity severity, String id, String message, String fix) {

    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(message, "message");
        fix = fix == null ? "" : fix;
    }

    public static Finding critical(String id, String message, String fix) {
        return new Finding(Severity.CRITICAL, id, message, fix);
    }

    public static Finding warning(String id, String message, String fix) {
        return new Finding(Severity.WARNING, id, message, fix);
    }

    public static Finding info(String id, String message, String fix) {
        return new Finding(Severity.INFO, id, message, fix);
    }
}
