package org.mailwarden.gate;

import java.util.Optional;
import org.mailwarden.events.Event;

/**
 * Optional log lines (logger {@code mailwarden.fail2ban}, setting {@code ban.fail2ban-log-format}) shaped like
 * the Dovecot and Postfix lines that stock fail2ban filters ({@code dovecot}, {@code postfix},
 * {@code postfix-sasl}) match, for operators who keep an external fail2ban reading the container log:
 * <pre>
 * dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=&lt;bob@example.test&gt;, method=PLAIN, rip=192.0.2.7, lip=0.0.0.0
 * postfix/smtpd[1]: warning: unknown[192.0.2.7]: SASL PLAIN authentication failed: authentication failure
 * postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 554 5.7.1 &lt;x@other.test&gt;: Relay access denied; ...
 * postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 550 5.1.1 &lt;nobody@example.test&gt;: Recipient address rejected: User unknown in virtual mailbox table; ...
 * </pre>
 * Client-supplied values are stripped of spaces, brackets and control characters so a line cannot be forged.
 */
final class Fail2banLines {

    private Fail2banLines() {}

    static Optional<String> line(Event e) {
        return Optional.ofNullable(switch (e) {
            case Event.AuthFailure a when a.origin().proto().startsWith("imap") || a.origin().proto().startsWith("pop") ->
                    "dovecot: " + a.origin().proto() + "-login: Disconnected (auth failed, 1 attempts): user=<"
                            + clean(a.user()) + ">, method=" + clean(a.mechanism()) + ", rip=" + a.origin().ip()
                            + ", lip=0.0.0.0";
            case Event.AuthFailure a -> "postfix/smtpd[1]: warning: unknown[" + a.origin().ip() + "]: SASL "
                    + clean(a.mechanism()) + " authentication failed: authentication failure";
            case Event.RelayDenied r -> "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[" + r.origin().ip()
                    + "]: 554 5.7.1 <" + clean(r.rcpt()) + ">: Relay access denied; from=<" + clean(r.from())
                    + "> to=<" + clean(r.rcpt()) + "> proto=ESMTP helo=<unknown>";
            case Event.UnknownRecipient u -> "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[" + u.origin().ip()
                    + "]: 550 5.1.1 <" + clean(u.rcpt()) + ">: Recipient address rejected: User unknown in virtual "
                    + "mailbox table; from=<> to=<" + clean(u.rcpt()) + "> proto=ESMTP helo=<unknown>";
            default -> null;
        });
    }

    static String clean(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 256));
        for (int i = 0; i < s.length() && b.length() < 256; i++) {
            char c = s.charAt(i);
            if (c > ' ' && c != 0x7f && "<>[](),;=\"".indexOf(c) < 0) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
