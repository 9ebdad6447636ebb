package org.mailwarden.config;

import java.time.Duration;

/** SMTP protocol limits; every one is enforced with a protocol reply, never a crash or a hang. */
public record SmtpConfig(int maxLineLength, long maxMessageSize, int maxRecipients, Duration commandTimeout,
        Duration dataTimeout, int maxErrors, Settings.BareLf bareLf) {

    public static SmtpConfig defaults() {
        return new SmtpConfig(1000, 10240000, 1000, Duration.ofMinutes(5), Duration.ofMinutes(5), 10,
                Settings.BareLf.REJECT);
    }

    public SmtpConfig withMaxLineLength(int v) {
        return new SmtpConfig(v, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, maxErrors, bareLf);
    }

    public SmtpConfig withMaxMessageSize(long v) {
        return new SmtpConfig(maxLineLength, v, maxRecipients, commandTimeout, dataTimeout, maxErrors, bareLf);
    }

    public SmtpConfig withMaxRecipients(int v) {
        return new SmtpConfig(maxLineLength, maxMessageSize, v, commandTimeout, dataTimeout, maxErrors, bareLf);
    }

    public SmtpConfig withTimeouts(Duration command, Duration data) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, command, data, maxErrors, bareLf);
    }

    public SmtpConfig withMaxErrors(int v) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, v, bareLf);
    }

    public SmtpConfig withBareLf(Settings.BareLf v) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, maxErrors, v);
    }
}
