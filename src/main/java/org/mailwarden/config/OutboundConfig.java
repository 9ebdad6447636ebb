package org.mailwarden.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Outbound delivery: where and how the queue sends mail, how long it retries, and the optional relay host.
 *
 * @param port           SMTP port on MX hosts (25; tests point it at a loopback port)
 * @param dnsServer      host or host:port of the DNS server; empty = the system's
 * @param retryInitial   first retry delay, doubled per attempt up to {@code retryMax}
 * @param maxAge         deferred mail older than this is bounced
 * @param delayWarning   age after which the sender gets one delay notice
 * @param relay          the smarthost for all mail, or null for direct MX delivery
 * @param relayMapFile   docker-mailserver's postfix-relaymap.cf (per-domain relay hosts)
 */
public record OutboundConfig(int port, String dnsServer, Duration connectTimeout, Duration timeout,
        Duration retryInitial, Duration retryMax, Duration maxAge, Duration delayWarning, RelayHost relay,
        String relayUser, String relayPassword, Settings.RelayTls relayTls, boolean relayTlsVerify,
        Path relayMapFile) {

    /** A relay host and port. */
    public record RelayHost(String host, int port) {

        /** {@code host}, {@code host:port}, {@code [host]} or {@code [host]:port} (Postfix's relayhost syntax). */
        public static RelayHost parse(String s, int defaultPort) {
            String t = s.strip();
            String host;
            String rest;
            if (t.startsWith("[")) {
                int end = t.indexOf(']');
                if (end < 0) {
                    throw new IllegalArgumentException("missing ] in " + s);
                }
                host = t.substring(1, end);
                rest = t.substring(end + 1);
            } else {
                int colon = t.lastIndexOf(':');
                boolean ipv6 = t.indexOf(':') != colon;
                host = colon < 0 || ipv6 ? t : t.substring(0, colon);
                rest = colon < 0 || ipv6 ? "" : t.substring(colon);
            }
            int port = defaultPort;
            if (rest.startsWith(":")) {
                port = Integer.parseInt(rest.substring(1));
            } else if (!rest.isEmpty()) {
                throw new IllegalArgumentException("unexpected '" + rest + "' in " + s);
            }
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("expected host, host:port or [host]:port, got " + s);
            }
            return new RelayHost(host, port);
        }
    }

    /** Where settings come from (the config file and environment, resolved by ServerConfig). */
    interface Source {
        <T> T get(Setting<T> s);
    }

    public static OutboundConfig defaults(Path configDir) {
        return new OutboundConfig(25, "", Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofHours(1), Duration.ofDays(5), Duration.ofHours(4), null, "", "",
                Settings.RelayTls.STARTTLS, true, configDir.resolve("postfix-relaymap.cf"));
    }

    static OutboundConfig load(Source v, Map<String, String> env, Path configDir) {
        String relayRaw = v.get(Settings.RELAY_HOST);
        if (relayRaw.isBlank() && env.get("DEFAULT_RELAY_HOST") != null) {
            relayRaw = env.get("DEFAULT_RELAY_HOST");
        }
        RelayHost relay = null;
        if (!relayRaw.isBlank()) {
            try {
                relay = RelayHost.parse(relayRaw, v.get(Settings.RELAY_PORT));
            } catch (RuntimeException e) {
                throw new ConfigException("invalid relay host '" + relayRaw + "': " + e.getMessage() + ". Fix: "
                        + Settings.RELAY_HOST.doc());
            }
        }
        String dns = v.get(Settings.DNS_SERVER);
        if (!dns.isBlank()) {
            try {
                RelayHost.parse(dns, 53);
            } catch (RuntimeException e) {
                throw new ConfigException("invalid dns.server '" + dns + "': " + e.getMessage() + ". Fix: "
                        + Settings.DNS_SERVER.doc());
            }
        }
        return new OutboundConfig(v.get(Settings.OUTBOUND_PORT), dns, v.get(Settings.OUTBOUND_CONNECT_TIMEOUT),
                v.get(Settings.OUTBOUND_TIMEOUT), v.get(Settings.QUEUE_RETRY_INITIAL), v.get(Settings.QUEUE_RETRY_MAX),
                v.get(Settings.QUEUE_MAX_AGE), v.get(Settings.QUEUE_DELAY_WARNING), relay, v.get(Settings.RELAY_USER),
                v.get(Settings.RELAY_PASSWORD), v.get(Settings.RELAY_TLS), v.get(Settings.RELAY_TLS_VERIFY),
                configDir.resolve("postfix-relaymap.cf"));
    }
}
