package org.mailwarden.events;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes events as one key=value line each: {@code event=auth-failure proto=imap ip=192.0.2.7 user=bob}.
 * The format is an interface for operators (grep, an external fail2ban): add fields at the end, never rename.
 */
public final class EventLog {

    private static final Logger LOG = LoggerFactory.getLogger("mailwarden.events");

    private EventLog() {}

    static void write(Event e) {
        if (LOG.isInfoEnabled()) {
            LOG.info(format(e));
        }
    }

    public static String format(Event e) {
        StringBuilder sb = new StringBuilder(128).append("event=").append(e.name());
        for (Map.Entry<String, Object> f : e.fields().entrySet()) {
            sb.append(' ').append(f.getKey()).append('=');
            appendValue(sb, f.getValue());
        }
        return sb.toString();
    }

    /** Quotes values with spaces, quotes or control characters so a line can never be forged by a client. */
    static void appendValue(StringBuilder sb, Object value) {
        String s = String.valueOf(value);
        boolean quote = s.isEmpty();
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c <= ' ' || c == '"' || c == '=' || c == 0x7f;
        }
        if (!quote) {
            sb.append(s);
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < ' ' || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
