package org.mailwarden.pop3;

import java.nio.charset.StandardCharsets;

/**
 * One POP3 status line (RFC 1939 3): {@code +OK} or {@code -ERR}, an optional response code in brackets (RFC 2449
 * 8: IN-USE; RFC 3206: AUTH, SYS/TEMP), and a text. The common ones are named here; handlers never type "+OK".
 */
record Pop3Reply(boolean ok, String code, String text) {

    static final Pop3Reply CAPABILITIES = ok("Capability list follows");
    static final Pop3Reply BEGIN_TLS = ok("Begin TLS negotiation now.");
    static final Pop3Reply TLS_ACTIVE = err("TLS is already active.");
    static final Pop3Reply TLS_UNAVAILABLE = err("TLS is not available.");
    /** USER, PASS or AUTH on port 110 before STLS: no passwords in clear text (Dovecot's wording). */
    static final Pop3Reply PLAINTEXT_DISALLOWED = err("AUTH",
            "Plaintext authentication disallowed on non-secure (SSL/TLS) connections. Use STLS first (or port 995).");
    static final Pop3Reply USER_ACCEPTED = ok("Send the password.");
    static final Pop3Reply NO_USER = err("No username given: send USER first.");
    static final Pop3Reply AUTH_FAILED = err("AUTH", "Authentication failed.");
    static final Pop3Reply AUTH_TEMPORARY = err("SYS/TEMP", "Temporary authentication failure.");
    static final Pop3Reply AUTH_CANCELLED = err("Authentication cancelled.");
    static final Pop3Reply AUTH_MALFORMED = err("Malformed authentication response.");
    static final Pop3Reply AUTH_UNSUPPORTED = err("Unsupported authentication mechanism; use PLAIN or LOGIN.");
    static final Pop3Reply MECHANISMS = ok("Mechanisms follow");
    static final Pop3Reply TOO_MANY_AUTH_FAILURES = err("AUTH", "Too many authentication failures.");
    /** RFC 1939 4 / RFC 2449 8.1.1: another POP3 session has the maildrop. */
    static final Pop3Reply IN_USE = err("IN-USE", "The maildrop is in use by another POP3 session.");
    static final Pop3Reply LOGGED_IN = ok("Logged in.");
    static final Pop3Reply ALREADY_LOGGED_IN = err("Already logged in.");
    static final Pop3Reply LOG_IN_FIRST = err("Log in first.");
    static final Pop3Reply NO_SUCH_MESSAGE = err("No such message.");
    static final Pop3Reply MESSAGE_DELETED = err("Message is deleted.");
    static final Pop3Reply MESSAGE_GONE = err("Message was removed by another session.");
    static final Pop3Reply MARKED_DELETED = ok("Marked to be deleted.");
    static final Pop3Reply DONE = ok("");
    static final Pop3Reply LOGGING_OUT = ok("Logging out.");
    static final Pop3Reply LOGGING_OUT_DELETED = ok("Logging out, messages deleted.");
    static final Pop3Reply NOT_ALL_DELETED = err("SYS/TEMP", "Some deleted messages were not removed.");
    static final Pop3Reply LINE_TOO_LONG = err("Line too long.");
    static final Pop3Reply TOO_MANY_BAD_COMMANDS = err("Too many bad commands.");
    static final Pop3Reply IDLE_TIMEOUT = err("Disconnected for inactivity.");
    static final Pop3Reply LOGIN_TIMEOUT = err("Disconnected: no login in time.");
    static final Pop3Reply INTERNAL_ERROR = err("SYS/TEMP", "Internal error, try again later.");

    static Pop3Reply ok(String text) {
        return new Pop3Reply(true, null, text);
    }

    static Pop3Reply err(String text) {
        return new Pop3Reply(false, null, text);
    }

    static Pop3Reply err(String code, String text) {
        return new Pop3Reply(false, code, text);
    }

    /** The status line with its CRLF. */
    byte[] bytes() {
        StringBuilder b = new StringBuilder(ok ? "+OK" : "-ERR");
        if (code != null) {
            b.append(" [").append(code).append(']');
        }
        if (!text.isEmpty()) {
            b.append(' ').append(text);
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }
}
