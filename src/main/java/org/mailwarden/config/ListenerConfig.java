package org.mailwarden.config;

/** One listening socket: which protocol it speaks and how TLS starts. Port 0 binds an ephemeral port (tests). */
public record ListenerConfig(String name, Protocol protocol, TlsMode tls, String address, int port) {

    public enum Protocol { SMTP, SUBMISSION, IMAP, POP3 }

    /** STARTTLS offered on a plain connection, or TLS from the first byte (RFC 8314 implicit TLS). */
    public enum TlsMode { STARTTLS, IMPLICIT }
}
