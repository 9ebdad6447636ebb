package org.mailwarden.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The security gate's settings: PROXY protocol, access lists, the ban engine and per-IP and per-account limits.
 * One policy for every listener; per-listener parts are keyed by listener name (smtp, submission, ...).
 */
public record GateConfig(List<Cidr> proxyTrusted, Duration proxyTimeout, Set<String> proxyListeners,
        List<Cidr> allow, List<Cidr> deny, Map<String, List<Cidr>> listenerAllow,
        Map<String, List<Cidr>> listenerDeny, List<Cidr> trustedNetworks, Ban ban, int maxConnectionsPerIp,
        Rate connectionRate, int accountFailureLimit, Duration accountFailureWindow, Duration writeTimeout,
        Duration tlsHandshakeTimeout) {

    /** Weights of the events the ban engine counts, by event name; see {@link Settings#BAN_WEIGHTS}. */
    public static final String DEFAULT_WEIGHTS = "auth-failure=1, relay-denied=1, unknown-recipient=1, pregreet=5, "
            + "unauth-pipelining=5, protocol-error=0, too-many-errors=2, tls-failure=1, auth-success=0";

    public GateConfig {
        proxyTrusted = List.copyOf(proxyTrusted);
        proxyListeners = Set.copyOf(proxyListeners);
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        listenerAllow = Map.copyOf(listenerAllow);
        listenerDeny = Map.copyOf(listenerDeny);
        trustedNetworks = List.copyOf(trustedNetworks);
    }

    /** How a banned client is turned away: 421 with the reason, or a silent close (docker-mailserver's drop). */
    public enum BlockType { REJECT, DROP }

    public GateConfig withTrustedNetworks(List<Cidr> networks) {
        return new GateConfig(proxyTrusted, proxyTimeout, proxyListeners, allow, deny, listenerAllow, listenerDeny,
                networks, ban, maxConnectionsPerIp, connectionRate, accountFailureLimit, accountFailureWindow,
                writeTimeout, tlsHandshakeTimeout);
    }

    /** The ban engine (built-in fail2ban). {@code ignore} excludes the trusted networks, which are added to it. */
    public record Ban(boolean enabled, int maxRetry, Duration findTime, Duration banTime, Duration maxBanTime,
            Duration recidiveWindow, int permanentAfter, List<Cidr> ignore, Map<String, Integer> weights,
            boolean fail2banLogFormat, BlockType blockType, boolean kernel) {
        public Ban {
            ignore = List.copyOf(ignore);
            weights = Map.copyOf(weights);
        }

        public Ban(boolean enabled, int maxRetry, Duration findTime, Duration banTime, Duration maxBanTime,
                Duration recidiveWindow, int permanentAfter, List<Cidr> ignore, Map<String, Integer> weights,
                boolean fail2banLogFormat) {
            this(enabled, maxRetry, findTime, banTime, maxBanTime, recidiveWindow, permanentAfter, ignore, weights,
                    fail2banLogFormat, BlockType.REJECT);
        }

        /** Without the kernel mirror (ban.kernel off). */
        public Ban(boolean enabled, int maxRetry, Duration findTime, Duration banTime, Duration maxBanTime,
                Duration recidiveWindow, int permanentAfter, List<Cidr> ignore, Map<String, Integer> weights,
                boolean fail2banLogFormat, BlockType blockType) {
            this(enabled, maxRetry, findTime, banTime, maxBanTime, recidiveWindow, permanentAfter, ignore, weights,
                    fail2banLogFormat, blockType, false);
        }

        public static Ban defaults() {
            return new Ban(true, 5, Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofDays(7),
                    Duration.ofDays(1), 0, List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1")),
                    parseWeights(""), false);
        }

        public Ban withIgnore(List<Cidr> l) {
            return new Ban(enabled, maxRetry, findTime, banTime, maxBanTime, recidiveWindow, permanentAfter, l,
                    weights, fail2banLogFormat, blockType);
        }

        public Ban withEnabled(boolean on) {
            return new Ban(on, maxRetry, findTime, banTime, maxBanTime, recidiveWindow, permanentAfter, ignore,
                    weights, fail2banLogFormat, blockType);
        }
    }

    /** At most {@code count} new connections per {@code per}; count 0 = no limit. */
    public record Rate(int count, Duration per) {
        public static final Rate NONE = new Rate(0, Duration.ofMinutes(1));

        /** "60/1m", "10/s", "0" (off). */
        public static Rate parse(String s) {
            String t = s.strip();
            if (t.equals("0") || t.isEmpty()) {
                return NONE;
            }
            int slash = t.indexOf('/');
            if (slash < 1) {
                throw new IllegalArgumentException("expected COUNT/PERIOD, e.g. 60/1m");
            }
            int n = Integer.parseInt(t.substring(0, slash).strip());
            String p = t.substring(slash + 1).strip();
            Duration per = Setting.parseDuration(Character.isDigit(p.isEmpty() ? 'x' : p.charAt(0)) ? p : "1" + p);
            if (n < 0) {
                throw new IllegalArgumentException("count must not be negative");
            }
            return new Rate(n, per);
        }

        public boolean limited() {
            return count > 0;
        }
    }

    /** "auth-failure=1, pregreet=5": overrides on top of {@link #DEFAULT_WEIGHTS}. */
    public static Map<String, Integer> parseWeights(String s) {
        Map<String, Integer> m = new LinkedHashMap<>();
        parseInto(m, DEFAULT_WEIGHTS);
        Set<String> known = Set.copyOf(m.keySet());
        Map<String, Integer> given = new LinkedHashMap<>();
        parseInto(given, s);
        for (String k : given.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown event '" + k + "', known: " + known.stream().sorted().toList());
            }
        }
        m.putAll(given);
        return m;
    }

    private static void parseInto(Map<String, Integer> m, String s) {
        for (String part : s.split("[,\\s]+")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected event=weight, got '" + part + "'");
            }
            int w = Integer.parseInt(part.substring(eq + 1).strip());
            if (w < 0) {
                throw new IllegalArgumentException("weight must not be negative in '" + part + "'");
            }
            m.put(part.substring(0, eq).strip().toLowerCase(Locale.ROOT), w);
        }
    }

    /** Defaults: no proxies, no access lists, the ban engine on with its defaults, 50 connections and 60/min per IP. */
    public static GateConfig defaults() {
        return new GateConfig(List.of(), Duration.ofSeconds(5), Set.of(), List.of(), List.of(), Map.of(), Map.of(),
                List.of(), Ban.defaults(), 50, new Rate(60, Duration.ofMinutes(1)), 10, Duration.ofMinutes(15),
                Duration.ofMinutes(5), Duration.ofSeconds(30));
    }

    /** Where settings come from (the config file and the environment, resolved by ServerConfig). */
    public interface Source {
        <T> T get(Setting<T> setting);
    }

    public static GateConfig load(Source v) {
        Set<String> proxied = new java.util.HashSet<>();
        Map<String, List<Cidr>> lAllow = new LinkedHashMap<>();
        Map<String, List<Cidr>> lDeny = new LinkedHashMap<>();
        for (String name : Settings.LISTENER_NAMES) {
            if (v.get(Settings.proxyProtocol(name))) {
                proxied.add(name);
            }
            List<Cidr> a = v.get(Settings.listenerAllow(name));
            List<Cidr> d = v.get(Settings.listenerDeny(name));
            if (!a.isEmpty()) {
                lAllow.put(name, a);
            }
            if (!d.isEmpty()) {
                lDeny.put(name, d);
            }
        }
        List<Cidr> trustedProxies = v.get(Settings.PROXY_TRUSTED);
        if (!proxied.isEmpty() && trustedProxies.isEmpty()) {
            throw new ConfigException("listen." + proxied.iterator().next() + ".proxy-protocol is on but "
                    + "proxy.trusted is empty: set proxy.trusted to the address(es) of your proxy, e.g. 172.16.0.0/12");
        }
        Ban ban = new Ban(v.get(Settings.BAN_ENABLED), v.get(Settings.BAN_MAXRETRY), v.get(Settings.BAN_FINDTIME),
                v.get(Settings.BAN_BANTIME), v.get(Settings.BAN_MAX_BANTIME), v.get(Settings.BAN_RECIDIVE_WINDOW),
                v.get(Settings.BAN_PERMANENT_AFTER), v.get(Settings.BAN_IGNORE), v.get(Settings.BAN_WEIGHTS),
                v.get(Settings.BAN_FAIL2BAN_LOG), v.get(Settings.BAN_BLOCKTYPE), v.get(Settings.BAN_KERNEL));
        return new GateConfig(trustedProxies, v.get(Settings.PROXY_TIMEOUT), proxied, v.get(Settings.ACCESS_ALLOW),
                v.get(Settings.ACCESS_DENY), lAllow, lDeny, v.get(Settings.TRUSTED_NETWORKS), ban,
                v.get(Settings.MAX_CONNECTIONS_PER_IP), v.get(Settings.CONNECTION_RATE),
                v.get(Settings.ACCOUNT_FAILURE_LIMIT), v.get(Settings.ACCOUNT_FAILURE_WINDOW),
                v.get(Settings.WRITE_TIMEOUT), v.get(Settings.TLS_HANDSHAKE_TIMEOUT));
    }

    public GateConfig withBan(Ban b) {
        return new GateConfig(proxyTrusted, proxyTimeout, proxyListeners, allow, deny, listenerAllow, listenerDeny,
                trustedNetworks, b, maxConnectionsPerIp, connectionRate, accountFailureLimit, accountFailureWindow,
                writeTimeout, tlsHandshakeTimeout);
    }
}
