package org.mailwarden.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailwarden.gate.Connection;

/**
 * Delivery status notifications (RFC 3464): a multipart/report with a human-readable part, the
 * message/delivery-status part (one block per recipient) and the original message's header
 * (text/rfc822-headers, RFC 6522).
 */
final class Dsn {

    enum Kind { FAILED, DELAYED }

    private static final int MAX_HEADER = 64 * 1024;
    private static final Pattern ENHANCED = Pattern.compile("\\b([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b");
    private static final DateTimeFormatter RFC5322 =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private Dsn() {}

    static String date(Instant t) {
        return RFC5322.format(ZonedDateTime.ofInstant(t, ZoneId.systemDefault()));
    }

    /** The RFC 3463 status of a recipient: the enhanced code in its reply if any, else from the reply code. */
    static String status(QueueEntry.Recipient r, Kind kind) {
        Matcher m = ENHANCED.matcher(r.detail());
        if (m.find()) {
            String s = m.group(0);
            if (kind == Kind.FAILED && s.startsWith("2")) {
                return "5.0.0";
            }
            return s;
        }
        if (kind == Kind.DELAYED) {
            return "4.0.0";
        }
        return r.code() >= 400 && r.code() < 500 ? "4.0.0" : "5.0.0";
    }

    static byte[] build(Kind kind, String reportingHost, QueueEntry entry, List<QueueEntry.Recipient> rcpts,
            Path original, Instant now, Instant retryUntil) throws IOException {
        String boundary = "=_" + Connection.newId() + Connection.newId();
        StringBuilder m = new StringBuilder(4096);
        String subject = kind == Kind.FAILED ? "Undelivered Mail Returned to Sender"
                : "Delayed Mail (still being retried)";
        m.append("From: Mail Delivery System <MAILER-DAEMON@").append(reportingHost).append(">\r\n");
        m.append("To: <").append(entry.sender()).append(">\r\n");
        m.append("Subject: ").append(subject).append("\r\n");
        m.append("Date: ").append(date(now)).append("\r\n");
        m.append("Message-ID: <").append(Connection.newId()).append('.').append(entry.id()).append('@')
                .append(reportingHost).append(">\r\n");
        m.append("Auto-Submitted: auto-replied\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"")
                .append(boundary).append("\"\r\n");
        m.append("\r\nThis is a MIME-encapsulated message.\r\n\r\n");

        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Description: Notification\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        m.append("This is the mail system at host ").append(reportingHost).append(".\r\n\r\n");
        if (kind == Kind.FAILED) {
            m.append("I'm sorry to have to inform you that your message could not\r\n"
                    + "be delivered to one or more recipients. It's attached below.\r\n\r\n");
        } else {
            m.append("Your message could not be delivered for ")
                    .append(java.time.Duration.between(entry.created(), now).toHours())
                    .append(" hours. It will be retried until ").append(date(retryUntil))
                    .append(".\r\nYou do not need to resend it.\r\n\r\n");
        }
        for (QueueEntry.Recipient r : rcpts) {
            m.append("<").append(r.address()).append(">: ").append(r.detail().isEmpty() ? "no reason" : r.detail())
                    .append("\r\n");
        }
        m.append("\r\n--").append(boundary).append("\r\n");
        m.append("Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n");
        m.append("Reporting-MTA: dns; ").append(reportingHost).append("\r\n");
        m.append("X-Mailwarden-Queue-ID: ").append(entry.id()).append("\r\n");
        m.append("Arrival-Date: ").append(date(entry.created())).append("\r\n");
        for (QueueEntry.Recipient r : rcpts) {
            m.append("\r\n");
            m.append("Final-Recipient: rfc822; ").append(r.address()).append("\r\n");
            m.append("Action: ").append(kind == Kind.FAILED ? "failed" : "delayed").append("\r\n");
            m.append("Status: ").append(status(r, kind)).append("\r\n");
            if (!r.host().equals("-")) {
                String host = r.host().replaceAll("\\[.*$", "");
                m.append("Remote-MTA: dns; ").append(host).append("\r\n");
            }
            if (r.code() > 0) {
                m.append("Diagnostic-Code: smtp; ").append(r.detail().replaceFirst("^[A-Z ]+: ", "")).append("\r\n");
            } else if (!r.detail().isEmpty()) {
                m.append("Diagnostic-Code: X-Mailwarden; ").append(r.detail()).append("\r\n");
            }
            m.append("Last-Attempt-Date: ").append(date(now)).append("\r\n");
            if (kind == Kind.DELAYED) {
                m.append("Will-Retry-Until: ").append(date(retryUntil)).append("\r\n");
            }
        }
        m.append("\r\n--").append(boundary).append("\r\n");
        m.append("Content-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n");
        m.append(headerOf(original));
        m.append("\r\n--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The original's header section (up to the empty line), bounded. */
    static String headerOf(Path original) throws IOException {
        byte[] buf = new byte[MAX_HEADER];
        int n = 0;
        try (InputStream in = Files.newInputStream(original)) {
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
            }
        }
        String s = new String(buf, 0, n, StandardCharsets.UTF_8);
        int end = s.indexOf("\r\n\r\n");
        if (end >= 0) {
            return s.substring(0, end + 2);
        }
        int lastLine = s.lastIndexOf("\r\n");
        return lastLine >= 0 ? s.substring(0, lastLine + 2) : s + "\r\n";
    }
}
