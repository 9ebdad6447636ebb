package org.mailwarden.config;

import java.time.Duration;

/** SMTP protocol limits; every one is enforced with a protocol reply, never a crash or a hang. */
public record SmtpConfig(int maxLineLength, long maxMessageSize, int maxRecipients, Duration commandTimeout,
        Duration dataTimeout, int maxErrors, Settings.BareLf bareLf, Duration greetWait,
        java.util.List<Cidr> greetExempt) {

    public SmtpConfig {
        greetExempt = java.util.List.copyOf(greetExempt);
    }

    public static SmtpConfig defaults() {
        return new SmtpConfig(1000, 10240000, 1000, Duration.ofMinutes(5), Duration.ofMinutes(10), 10,
                Settings.BareLf.REJECT, Duration.ofSeconds(3), java.util.List.of(Cidr.parse("127.0.0.0/8"),
                        Cidr.parse("::1")));
    }

    public SmtpConfig withGreetWait(Duration wait, java.util.List<Cidr> exempt) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, maxErrors,
                bareLf, wait, exempt);
    }

    public SmtpConfig withMaxLineLength(int v) {
        return new SmtpConfig(v, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, maxErrors, bareLf,
                greetWait, greetExempt);
    }

    public SmtpConfig withMaxMessageSize(long v) {
        return new SmtpConfig(maxLineLength, v, maxRecipients, commandTimeout, dataTimeout, maxErrors, bareLf,
                greetWait, greetExempt);
    }

    public SmtpConfig withMaxRecipients(int v) {
        return new SmtpConfig(maxLineLength, maxMessageSize, v, commandTimeout, dataTimeout, maxErrors, bareLf,
                greetWait, greetExempt);
    }

    public SmtpConfig withTimeouts(Duration command, Duration data) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, command, data, maxErrors, bareLf,
                greetWait, greetExempt);
    }

    public SmtpConfig withMaxErrors(int v) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, v, bareLf,
                greetWait, greetExempt);
    }

    public SmtpConfig withBareLf(Settings.BareLf v) {
        return new SmtpConfig(maxLineLength, maxMessageSize, maxRecipients, commandTimeout, dataTimeout, maxErrors, v,
                greetWait, greetExempt);
    }
}
