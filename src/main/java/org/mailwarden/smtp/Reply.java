package org.mailwarden.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An SMTP reply: code, enhanced status code (RFC 3463, RFC 2034) and text lines. Handlers return values;
 * {@link #encode()} is the one place a reply becomes bytes. Nobody types "250" in a handler.
 */
public record Reply(int code, String enhanced, List<String> lines) {

    public Reply {
        lines = List.copyOf(lines);
    }

    public Reply(int code, String enhanced, String text) {
        this(code, enhanced, List.of(text));
    }

    public boolean isError() {
        return code >= 400;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /**
     * Multi-line replies use "code-" on all but the last line (RFC 5321 4.2.1). Control characters in the text
     * (an address or EHLO name the client chose) become '?': a reply can never carry a line break of the client's.
     */
    public byte[] encode() {
        StringBuilder sb = new StringBuilder(64 * lines.size());
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhanced != null) {
                sb.append(enhanced).append(' ');
            }
            appendText(sb, lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The first line of a multi-line reply, as a continuation line ("220-..."): more lines follow later. */
    public byte[] firstLineOnly() {
        StringBuilder sb = new StringBuilder(code + "-" + (enhanced == null ? "" : enhanced + " "));
        return appendText(sb, lines.getFirst()).append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder appendText(StringBuilder sb, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c < ' ' || c == 0x7f ? '?' : c);
        }
        return sb;
    }

    @Override
    public String toString() {
        return code + (enhanced == null ? "" : " " + enhanced) + " " + String.join(" / ", lines);
    }

    // 2xx
    public static final Reply OK = new Reply(250, "2.0.0", "Ok");
    public static final Reply SENDER_OK = new Reply(250, "2.1.0", "Ok");
    public static final Reply RECIPIENT_OK = new Reply(250, "2.1.5", "Ok");
    public static final Reply RESET_OK = new Reply(250, "2.0.0", "Ok, transaction reset");
    public static final Reply BYE = new Reply(221, "2.0.0", "Bye");
    public static final Reply READY_FOR_TLS = new Reply(220, "2.0.0", "Ready to start TLS");
    public static final Reply CANNOT_VRFY = new Reply(252, "2.0.0",
            "Cannot VRFY user, but will accept message and attempt delivery");
    public static final Reply START_DATA = new Reply(354, null, "End data with <CR><LF>.<CR><LF>");

    // 4xx
    public static final Reply TOO_MANY_RECIPIENTS = new Reply(452, "4.5.3", "Too many recipients");
    public static final Reply TIMEOUT = new Reply(421, "4.4.2", "Timeout exceeded, closing connection");
    public static final Reply TOO_MANY_ERRORS = new Reply(421, "4.7.0", "Too many errors, closing connection");
    public static final Reply LOCAL_ERROR = new Reply(451, "4.3.0",
            "Local error while storing the message; it was not accepted, try again later");

    // 5xx
    public static final Reply UNKNOWN_COMMAND = new Reply(500, "5.5.1", "Command unrecognized");
    public static final Reply LINE_TOO_LONG = new Reply(500, "5.5.2", "Line too long");
    public static final Reply NUL_IN_COMMAND = new Reply(500, "5.5.2", "NUL character in command");
    public static final Reply BARE_CR_IN_COMMAND = new Reply(500, "5.5.2",
            "Bare CR in command line; lines end with CRLF (RFC 5321 2.3.8)");
    public static final Reply HELO_FIRST = new Reply(503, "5.5.1", "Send HELO/EHLO first");
    public static final Reply MAIL_FIRST = new Reply(503, "5.5.1", "Need MAIL command first");
    public static final Reply NESTED_MAIL = new Reply(503, "5.5.1", "Sender already specified");
    public static final Reply NO_VALID_RECIPIENTS = new Reply(554, "5.5.1", "No valid recipients");
    public static final Reply TLS_ALREADY = new Reply(503, "5.5.1", "TLS already active");
    public static final Reply TLS_UNAVAILABLE = new Reply(454, "4.7.0", "TLS not available");
    public static final Reply BDAT_DATA_MIX = new Reply(503, "5.5.1", "DATA and BDAT cannot be mixed in one message");
    public static final Reply RELAY_DENIED = new Reply(554, "5.7.1", "Relay access denied");
    public static final Reply UNKNOWN_USER = new Reply(550, "5.1.1", "Recipient address rejected: no such user here");
    public static final Reply AUTH_REQUIRED = new Reply(530, "5.7.0", "Authentication required");
    public static final Reply NUL_IN_DATA = new Reply(554, "5.6.0", "Message refused: it contains NUL characters");
    public static final Reply BARE_LF_IN_DATA = new Reply(554, "5.6.0",
            "Message refused: bare LF line ending; lines must end with CRLF (RFC 5321 2.3.8)");
    public static final Reply NON_ASCII_ADDRESS = new Reply(553, "5.6.7",
            "Non-ASCII address requires the SMTPUTF8 parameter");
}
