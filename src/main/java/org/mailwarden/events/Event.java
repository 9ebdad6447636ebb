package org.mailwarden.events;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A typed security or operational event. Protocol code emits events; the log, and later the ban engine,
 * consume them. Nothing downstream parses log lines.
 */
public sealed interface Event {

    /** Stable event name used as {@code event=} in the log. */
    String name();

    /** Fields in log order (after event=). */
    Map<String, Object> fields();

    /** Where it happened: protocol, listener name and the real client IP. */
    record Origin(String proto, String listener, String ip) {
        void into(Map<String, Object> m) {
            m.put("proto", proto);
            m.put("listener", listener);
            m.put("ip", ip);
        }
    }

    record ConnectionOpened(Origin origin, String session) implements Event {
        public String name() { return "connect"; }
        public Map<String, Object> fields() { return with(origin, "session", session); }
    }

    record ConnectionClosed(Origin origin, String session, String reason) implements Event {
        public String name() { return "disconnect"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "reason", reason); }
    }

    /** The listener refused a connection before any protocol ran (connection limit, later access lists and bans). */
    record ConnectionRefused(Origin origin, String reason) implements Event {
        public String name() { return "connection-refused"; }
        public Map<String, Object> fields() { return with(origin, "reason", reason); }
    }

    /** A message was stored durably for local mailboxes and/or queued for forwarding. */
    record Delivered(Origin origin, String session, String id, String from, int mailboxes, int forwards, long size)
            implements Event {
        public String name() { return "delivered"; }
        public Map<String, Object> fields() {
            return with(origin, "session", session, "id", id, "from", "<" + from + ">",
                    "mailboxes", mailboxes, "forwards", forwards, "size", size);
        }
    }

    record UnknownRecipient(Origin origin, String session, String rcpt) implements Event {
        public String name() { return "unknown-recipient"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "rcpt", rcpt); }
    }

    record RelayDenied(Origin origin, String session, String from, String rcpt) implements Event {
        public String name() { return "relay-denied"; }
        public Map<String, Object> fields() {
            return with(origin, "session", session, "from", "<" + from + ">", "rcpt", rcpt);
        }
    }

    /** A client broke the protocol: the reply it got says how (code and a short reason). */
    record ProtocolError(Origin origin, String session, int code, String reason) implements Event {
        public String name() { return "protocol-error"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "code", code, "reason", reason); }
    }

    record TooManyErrors(Origin origin, String session, int errors) implements Event {
        public String name() { return "too-many-errors"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "errors", errors); }
    }

    record Timeout(Origin origin, String session, String stage) implements Event {
        public String name() { return "timeout"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "stage", stage); }
    }

    record TlsFailure(Origin origin, String session, String reason) implements Event {
        public String name() { return "tls-failure"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "reason", reason); }
    }

    /** Delivery failed on our side (disk full, I/O error): the client got a 4xx and will retry. */
    record StoreFailure(Origin origin, String session, String reason) implements Event {
        public String name() { return "store-failure"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "reason", reason); }
    }

    /** A failed login on any protocol: the ban engine's main input. {@code user} is the name tried. */
    record AuthFailure(Origin origin, String session, String user, String mechanism, String reason) implements Event {
        public String name() { return "auth-failure"; }
        public Map<String, Object> fields() {
            return with(origin, "session", session, "user", user, "mechanism", mechanism, "reason", reason);
        }
    }

    record AuthSuccess(Origin origin, String session, String user, String mechanism) implements Event {
        public String name() { return "auth-success"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "user", user, "mechanism", mechanism); }
    }

    /** The client talked before the SMTP greeting (a bot that does not wait): postscreen's pregreet test. */
    record Pregreet(Origin origin, String session) implements Event {
        public String name() { return "pregreet"; }
        public Map<String, Object> fields() { return with(origin, "session", session); }
    }

    /** The client pipelined without PIPELINING being negotiated (reject_unauth_pipelining), seen at DATA. */
    record UnauthPipelining(Origin origin, String session, String detail) implements Event {
        public String name() { return "unauth-pipelining"; }
        public Map<String, Object> fields() { return with(origin, "session", session, "detail", detail); }
    }

    /** An authenticated user tried to send as an address they do not own. */
    record SenderDenied(Origin origin, String session, String user, String address, String where) implements Event {
        public String name() { return "sender-denied"; }
        public Map<String, Object> fields() {
            return with(origin, "session", session, "user", user, "address", address, "where", where);
        }
    }

    /**
     * One outbound delivery attempt for one recipient (the queue's log line). {@code result} is delivered,
     * deferred or failed; {@code host} the remote host ("-" for local delivery or when none was reached).
     */
    record DeliveryAttempt(String id, String rcpt, String host, String result, int code, String detail)
            implements Event {
        public String name() { return "delivery-attempt"; }
        public Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("rcpt", rcpt);
            m.put("host", host);
            m.put("result", result);
            m.put("code", code);
            m.put("detail", detail);
            return m;
        }
    }

    private static Map<String, Object> with(Origin origin, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        origin.into(m);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
