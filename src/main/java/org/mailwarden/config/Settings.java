package org.mailwarden.config;

import java.time.Duration;
import java.util.List;

/** Every setting Mailwarden reads, with its default and the reason it exists. */
public final class Settings {

    private Settings() {}

    public enum BareLf { REJECT, NORMALIZE }

    public static final Setting<String> HOSTNAME = Setting.string("hostname", "OVERRIDE_HOSTNAME", "",
            "the server's fully qualified name, used in the SMTP greeting, Received headers and the self-signed "
                    + "certificate; empty = the machine's host name");
    public static final Setting<String> DOMAINS = Setting.string("domains", null, "",
            "extra local domains (comma-separated) besides those of accounts and aliases");
    public static final Setting<String> LISTEN_ADDRESS = Setting.string("listen.address", null, "",
            "address every listener binds to; empty = all interfaces");
    public static final Setting<Integer> MAX_CONNECTIONS = Setting.integer("limits.max-connections", null,
            10000, 1, 1_000_000, "open connections per listener; more are refused with a protocol error");
    public static final Setting<Integer> MAX_LINE_LENGTH = Setting.integer("smtp.max-line-length", null,
            1000, 512, 65536, "longest SMTP command or text line in octets including CRLF (RFC 5321 4.5.3.1: 1000)");
    public static final Setting<Long> MAX_MESSAGE_SIZE = Setting.size("smtp.max-message-size",
            "POSTFIX_MESSAGE_SIZE_LIMIT", 10240000, 1024,
            "largest message accepted, in bytes (K/M/G suffixes allowed); larger ones get 552 5.3.4");
    public static final Setting<Integer> MAX_RECIPIENTS = Setting.integer("smtp.max-recipients", null,
            1000, 100, 100000, "recipients per message (RFC 5321 requires at least 100); more get 452 4.5.3");
    public static final Setting<Duration> COMMAND_TIMEOUT = Setting.duration("smtp.command-timeout", null, "300s",
            "how long to wait for the next SMTP command (RFC 5321 4.5.3.2: 5 minutes); then 421 4.4.2");
    public static final Setting<Duration> DATA_TIMEOUT = Setting.duration("smtp.data-timeout", null, "300s",
            "how long to wait for the next block of message data; then 421 4.4.2");
    public static final Setting<Integer> MAX_ERRORS = Setting.integer("smtp.max-errors", null, 10, 1, 1000,
            "protocol errors in one session before it is closed with 421 4.7.0");
    public static final Setting<BareLf> BARE_LF = Setting.choice("smtp.bare-lf", null, BareLf.REJECT, BareLf.class,
            "a bare LF in message data: reject (554 5.6.0) or normalize to CRLF; either way only CRLF.CRLF ends "
                    + "DATA, which defeats SMTP smuggling");
    public static final Setting<String> RECIPIENT_DELIMITER = Setting.string("recipient-delimiter", null, "+",
            "sub-addressing: user+tag@domain is delivered to user@domain; empty disables it");
    public static final Setting<String> TLS_CERT = Setting.string("tls.cert", "SSL_CERT_PATH", "",
            "PEM certificate chain (fullchain.pem); empty = a self-signed certificate in the data dir");
    public static final Setting<String> TLS_KEY = Setting.string("tls.key", "SSL_KEY_PATH", "",
            "PEM private key (privkey.pem) matching tls.cert");

    public static final Setting<List<Cidr>> TRUSTED_NETWORKS = Setting.networks("relay.trusted-networks", null, "",
            "client networks allowed to relay without authentication (Postfix's mynetworks); empty by default. "
                    + "A public range, 0.0.0.0/0, or anything wider than /16 (IPv4) or /48 (IPv6) is refused at start");
    public static final Setting<Boolean> ALLOW_WIDE_TRUSTED_NETWORKS = Setting.bool(
            "relay.allow-wide-trusted-networks", null, false,
            "set to 1 only if you really mean to trust a public or very wide network in relay.trusted-networks: "
                    + "every host in it can relay mail through this server");
    public static final Setting<Boolean> SPOOF_PROTECTION = Setting.bool("spoof-protection", "SPOOF_PROTECTION", true,
            "authenticated users may send only as addresses they own: their login, aliases that resolve to them, "
                    + "and entries in postfix-sender-login-maps.cf; others get 553 5.7.1");
    public static final Setting<Boolean> HIDE_CLIENT_IP = Setting.bool("submission.hide-client-ip", null, true,
            "keep the IP address of submission clients out of the Received header of their outgoing mail");
    public static final Setting<Boolean> AUTH_ON_PORT_25 = Setting.bool("smtp.auth-on-port-25", null, false,
            "offer AUTH (after STARTTLS) on port 25 too; normally clients submit on 587/465 only");
    public static final Setting<java.time.Duration> AUTH_FAILURE_DELAY = Setting.duration("auth.failure-delay", null,
            "1s", "how long a failed login waits before its answer, to slow down password guessing");

    public static final Setting<Integer> IMAP_MAX_LINE_LENGTH = Setting.integer("imap.max-line-length", null, 65536,
            1000, 1 << 24, "longest IMAP command line in octets, literals not counted (Dovecot: 64k); longer gets BAD");
    public static final Setting<Long> IMAP_MAX_LITERAL_SIZE = Setting.size("imap.max-literal-size", null, 52428800,
            1024, "largest literal (an APPENDed message) in bytes; larger gets NO [TOOBIG] (or BYE for LITERAL+)");
    public static final Setting<Duration> IMAP_LOGIN_TIMEOUT = Setting.duration("imap.login-timeout", null, "60s",
            "how long an IMAP client may stay idle before it has logged in; then BYE");
    public static final Setting<Duration> IMAP_IDLE_TIMEOUT = Setting.duration("imap.idle-timeout", null, "30m",
            "how long a logged-in IMAP client may stay silent, IDLE included (RFC 3501 5.4: at least 30 minutes)");
    public static final Setting<Integer> IMAP_MAX_BAD_COMMANDS = Setting.integer("imap.max-bad-commands", null, 20,
            1, 1000, "BAD responses in one IMAP session before it is closed with BYE");

    public static final List<Setting<?>> ALL = List.of(HOSTNAME, DOMAINS, LISTEN_ADDRESS, MAX_CONNECTIONS,
            MAX_LINE_LENGTH, MAX_MESSAGE_SIZE, MAX_RECIPIENTS, COMMAND_TIMEOUT, DATA_TIMEOUT, MAX_ERRORS, BARE_LF,
            RECIPIENT_DELIMITER, TLS_CERT, TLS_KEY, TRUSTED_NETWORKS, ALLOW_WIDE_TRUSTED_NETWORKS, SPOOF_PROTECTION,
            HIDE_CLIENT_IP, AUTH_ON_PORT_25, AUTH_FAILURE_DELAY, IMAP_MAX_LINE_LENGTH, IMAP_MAX_LITERAL_SIZE,
            IMAP_LOGIN_TIMEOUT, IMAP_IDLE_TIMEOUT, IMAP_MAX_BAD_COMMANDS);
}
