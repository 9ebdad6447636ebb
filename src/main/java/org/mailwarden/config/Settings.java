package org.mailwarden.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

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
            "how long a whole SMTP command line may take to arrive, counted from when the server waits for it, "
                    + "however slowly its bytes trickle in; also the longest pause inside message data (RFC 5321 "
                    + "4.5.3.2: 5 minutes); then 421 4.4.2");
    public static final Setting<Duration> DATA_TIMEOUT = Setting.duration("smtp.data-timeout", null, "10m",
            "how long the whole message data may take to arrive: from the 354 reply to DATA until the final dot, "
                    + "or from the first BDAT chunk until the LAST one is in; then 421 4.4.2");
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

    public static final Setting<String> TLS_TYPE = Setting.string("tls.type", "SSL_TYPE", "",
            "where the certificate comes from: empty or self-signed (generated in the data dir), manual (tls.cert "
                    + "and tls.key), letsencrypt (tls.letsencrypt-dir/<hostname>/fullchain.pem and privkey.pem)");
    public static final Setting<String> TLS_LETSENCRYPT_DIR = Setting.string("tls.letsencrypt-dir", null,
            "/etc/letsencrypt/live", "where certbot keeps its live certificates (for tls.type = letsencrypt)");
    public static final Setting<String> POSTMASTER_ADDRESS = Setting.string("postmaster-address",
            "POSTMASTER_ADDRESS", "", "where mail for postmaster@<any local domain> goes when no alias says "
                    + "otherwise (RFC 5321 requires postmaster to work); empty = only explicit postmaster aliases");
    public static final Setting<String> RUN_USER = Setting.string("run.user", "DMS_VMAIL_UID", "",
            "started as root, the server binds its ports and then runs as this user (a name, a uid, or user:group "
                    + "such as 5000:5000), which owns the mail, state and self-signed TLS files it writes (files 0600, "
                    + "directories 0700, as Dovecot makes them); empty = the owner of an existing mail dir, else "
                    + "docker-mailserver's 5000:5000; root (or 0) keeps running as root (config check warns). Started "
                    + "as another user, the server runs as that user");
    public static final Setting<String> RUN_GROUP = Setting.string("run.group", "DMS_VMAIL_GID", "",
            "the group for run.user (a name or a gid); empty = the user's group (for a bare uid: the same number, "
                    + "as docker-mailserver's 5000:5000)");
    public static final Setting<Boolean> POP3_ENABLED = Setting.bool("pop3.enabled", "ENABLE_POP3", false,
            "run the POP3 listeners, 110 (STLS) and 995 (implicit TLS), as docker-mailserver's ENABLE_POP3=1 does; "
                    + "off by default, as there");
    public static final Setting<List<Cidr>> TRUSTED_NETWORKS = Setting.cidrs("relay.trusted-networks", null, "",
            "client networks allowed to relay without authentication (Postfix's mynetworks); empty by default. "
                    + "A public range, 0.0.0.0/0, or anything wider than /16 (IPv4) or /48 (IPv6) is refused at start");
    public static final Setting<Boolean> ALLOW_WIDE_TRUSTED_NETWORKS = Setting.bool(
            "relay.allow-wide-trusted-networks", null, false,
            "set to 1 only if you really mean to trust a public or very wide network in relay.trusted-networks: "
                    + "every host in it can relay mail through this server");
    public static final Setting<String> PERMIT_DOCKER = Setting.string("relay.permit-docker", "PERMIT_DOCKER", "none",
            "docker-mailserver's PERMIT_DOCKER, added to relay.trusted-networks and checked the same way: none, "
                    + "container (this host's own addresses), connected-networks, network (172.16.0.0/12: refused as "
                    + "too wide) or host (the host's /16: refused when public, the open-relay trap)");
    public static final Setting<Boolean> SPOOF_PROTECTION = Setting.bool("spoof-protection", "SPOOF_PROTECTION", true,
            "authenticated users may send only as addresses they own: their login, aliases that resolve to them, "
                    + "and entries in postfix-sender-login-maps.cf; others get 553 5.7.1");
    public static final Setting<Boolean> HIDE_CLIENT_IP = Setting.bool("submission.hide-client-ip", null, true,
            "keep the IP address of submission clients out of the Received header of their outgoing mail");
    public static final Setting<Boolean> AUTH_ON_PORT_25 = Setting.bool("smtp.auth-on-port-25", null, false,
            "offer AUTH (after STARTTLS) on port 25 too; normally clients submit on 587/465 only");
    public static final Setting<java.time.Duration> AUTH_FAILURE_DELAY = Setting.duration("auth.failure-delay", null,
            "1s", "how long a failed login waits before its answer, to slow down password guessing");

    public static final Setting<Duration> GREET_WAIT = Setting.durationOrOff("smtp.greet-wait", null, "3s",
            "port 25: how long the greeting is held back (after a first '220-' line) to catch bots that talk before "
                    + "it (postscreen's pregreet test); a client that passes is not tested again for a day; 0 = off");
    public static final Setting<List<Cidr>> GREET_EXEMPT = Setting.cidrs("smtp.greet-exempt", null,
            "127.0.0.0/8,::1", "clients that skip the pregreet test (besides relay.trusted-networks)");

    // --- the security gate and the ban engine (issue #4) ---

    /** Names of the listeners that can carry per-listener settings (listen.NAME.proxy-protocol, .allow, .deny). */
    public static final List<String> LISTENER_NAMES = List.of("smtp", "submission", "submissions", "imap", "imaps",
            "pop3", "pop3s");

    public static final Setting<List<Cidr>> PROXY_TRUSTED = Setting.cidrs("proxy.trusted", null, "",
            "addresses or CIDR networks of the proxies (HAProxy, Traefik, nginx) allowed to send a PROXY protocol "
                    + "header, comma-separated; on a listener with proxy-protocol on, anyone else is disconnected");
    public static final Setting<Duration> PROXY_TIMEOUT = Setting.duration("proxy.timeout", null, "5s",
            "how long a proxy may take to send its PROXY protocol header before the connection is closed");
    public static final Setting<List<Cidr>> ACCESS_ALLOW = Setting.cidrs("access.allow", null, "",
            "CIDR networks allowed to connect to any listener and log in on any protocol; empty = everyone");
    public static final Setting<List<Cidr>> ACCESS_DENY = Setting.cidrs("access.deny", null, "",
            "CIDR networks refused on every listener (checked before access.allow)");
    public static final Setting<Boolean> BAN_ENABLED = Setting.bool("ban.enabled", "ENABLE_FAIL2BAN", true,
            "the built-in fail2ban: ban IPs that keep failing (auth failures, unknown recipients, relay attempts)");
    public static final Setting<Integer> BAN_MAXRETRY = Setting.integer("ban.maxretry", null, 5, 1, 1_000_000,
            "weighted failures within ban.findtime that ban an IP");
    public static final Setting<Duration> BAN_FINDTIME = Setting.duration("ban.findtime", null, "10m",
            "the window in which failures are counted");
    public static final Setting<Duration> BAN_BANTIME = Setting.duration("ban.bantime", null, "1h",
            "how long a first ban lasts; doubles for each earlier ban within ban.recidive-window");
    public static final Setting<Duration> BAN_MAX_BANTIME = Setting.duration("ban.max-bantime", null, "7d",
            "the longest an escalated (recidive) ban lasts");
    public static final Setting<Duration> BAN_RECIDIVE_WINDOW = Setting.duration("ban.recidive-window", null, "1d",
            "earlier bans within this time make the next ban longer");
    public static final Setting<Integer> BAN_PERMANENT_AFTER = Setting.integer("ban.permanent-after", null, 0, 0,
            1000, "the ban number (within ban.recidive-window) that is permanent; 0 = bans always expire");
    public static final Setting<List<Cidr>> BAN_IGNORE = Setting.cidrs("ban.ignore", null, "127.0.0.0/8, ::1",
            "CIDR networks never banned nor rate-limited (relay.trusted-networks are added to it)");
    public static final Setting<Map<String, Integer>> BAN_WEIGHTS = new Setting<>("ban.weights", null, "",
            "weights of events, e.g. 'auth-failure=1, pregreet=5'; 0 ignores an event. Defaults: "
                    + GateConfig.DEFAULT_WEIGHTS, GateConfig::parseWeights);
    public static final Setting<GateConfig.BlockType> BAN_BLOCKTYPE = Setting.choice("ban.blocktype",
            "FAIL2BAN_BLOCKTYPE", GateConfig.BlockType.REJECT, GateConfig.BlockType.class,
            "how a banned client is turned away: reject (421 with the reason, so a locked-out user learns why) or "
                    + "drop (close without a word, as docker-mailserver's default)");
    public static final Setting<Boolean> BAN_KERNEL = Setting.bool("ban.kernel", null, false,
            "also ban at the kernel: an nftables table of Mailwarden's own (inet mailwarden) whose sets hold the "
                    + "banned IPs and /64s, dropped or rejected (ban.blocktype) on the mail ports; needs root and nft");
    public static final Setting<Boolean> BAN_FAIL2BAN_LOG = Setting.bool("ban.fail2ban-log-format", null, false,
            "also log failures as Dovecot/Postfix-style lines that stock fail2ban filters match");
    public static final Setting<Integer> MAX_CONNECTIONS_PER_IP = Setting.integer("limits.max-connections-per-ip",
            null, 50, 0, 1_000_000, "open connections per client IP over all listeners; 0 = no limit");
    public static final Setting<GateConfig.Rate> CONNECTION_RATE = new Setting<>("limits.connection-rate", null,
            "60/1m", "new connections per client IP, as COUNT/PERIOD (e.g. 60/1m); 0 = no limit",
            GateConfig.Rate::parse);
    public static final Setting<Duration> WRITE_TIMEOUT = Setting.duration("limits.write-timeout", null, "5m",
            "how long a write to a client may stay blocked (the client stopped reading) before the connection is "
                    + "closed, on every listener");
    public static final Setting<Duration> TLS_HANDSHAKE_TIMEOUT = Setting.duration("limits.tls-handshake-timeout",
            null, "30s", "how long a whole TLS handshake may take (implicit TLS and STARTTLS, on every listener), "
                    + "however slowly its bytes trickle in; then the connection is closed");
    public static final Setting<Integer> ACCOUNT_FAILURE_LIMIT = Setting.integer("auth.account-failure-limit", null,
            10, 0, 1_000_000, "failed logins for one account (from IPs it never logged in from) within "
                    + "auth.account-failure-window after which such IPs are refused for it; 0 = no limit");
    public static final Setting<Duration> ACCOUNT_FAILURE_WINDOW = Setting.duration("auth.account-failure-window",
            null, "15m", "the window in which failed logins per account are counted");

    /** listen.NAME.proxy-protocol, listen.NAME.allow and listen.NAME.deny for every listener name. */
    public static final List<Setting<?>> PER_LISTENER = LISTENER_NAMES.stream().<Setting<?>>mapMulti((n, out) -> {
        out.accept(proxyProtocol(n));
        out.accept(listenerAllow(n));
        out.accept(listenerDeny(n));
    }).toList();

    public static Setting<Boolean> proxyProtocol(String listener) {
        return Setting.bool("listen." + listener + ".proxy-protocol", null, false,
                "require a PROXY protocol v1/v2 header from a proxy in proxy.trusted on the " + listener + " listener");
    }

    public static Setting<List<Cidr>> listenerAllow(String listener) {
        return Setting.cidrs("listen." + listener + ".allow", null, "",
                "CIDR networks allowed on the " + listener + " listener (with access.allow); empty = no extra limit");
    }

    public static Setting<List<Cidr>> listenerDeny(String listener) {
        return Setting.cidrs("listen." + listener + ".deny", null, "",
                "CIDR networks refused on the " + listener + " listener");
    }

    public static final List<Setting<?>> GATE = List.of(PROXY_TRUSTED, PROXY_TIMEOUT, ACCESS_ALLOW, ACCESS_DENY,
            BAN_ENABLED, BAN_MAXRETRY, BAN_FINDTIME, BAN_BANTIME, BAN_MAX_BANTIME,
            BAN_RECIDIVE_WINDOW, BAN_PERMANENT_AFTER, BAN_IGNORE, BAN_WEIGHTS, BAN_BLOCKTYPE, BAN_KERNEL, BAN_FAIL2BAN_LOG,
            MAX_CONNECTIONS_PER_IP,
            CONNECTION_RATE, WRITE_TIMEOUT, TLS_HANDSHAKE_TIMEOUT, ACCOUNT_FAILURE_LIMIT, ACCOUNT_FAILURE_WINDOW);

    // --- outbound delivery (queue, MX delivery, relay host) ---
    public enum RelayTls { STARTTLS, IMPLICIT }

    public static final Setting<Integer> OUTBOUND_PORT = Setting.integer("outbound.port", null, 25, 1, 65535,
            "port outbound delivery connects to on MX hosts (always 25 on the internet; other values are for tests)");
    public static final Setting<String> DNS_SERVER = Setting.string("dns.server", null, "",
            "DNS server for MX/A/AAAA lookups, as host or host:port; empty = the first nameserver of /etc/resolv.conf");
    public static final Setting<Duration> OUTBOUND_CONNECT_TIMEOUT = Setting.duration("outbound.connect-timeout", null,
            "30s", "how long outbound delivery waits for a TCP connection to a remote SMTP server");
    public static final Setting<Duration> OUTBOUND_TIMEOUT = Setting.duration("outbound.timeout", null, "300s",
            "how long outbound delivery waits for each reply of a remote SMTP server (RFC 5321 4.5.3.2)");
    public static final Setting<Duration> QUEUE_RETRY_INITIAL = Setting.duration("queue.retry-initial", null, "5m",
            "wait before the first retry of a deferred message; doubles after each attempt up to queue.retry-max");
    public static final Setting<Duration> QUEUE_RETRY_MAX = Setting.duration("queue.retry-max", null, "1h",
            "longest wait between two delivery attempts");
    public static final Setting<Duration> QUEUE_MAX_AGE = Setting.duration("queue.max-age", null, "5d",
            "how long a message is retried before it is bounced to its sender (Postfix's maximal_queue_lifetime)");
    public static final Setting<Duration> QUEUE_DELAY_WARNING = Setting.duration("queue.delay-warning", null, "4h",
            "after this long undelivered, the sender gets one delay notice (Postfix's delay_warning_time)");
    public static final Setting<String> RELAY_HOST = Setting.string("relay.host", "RELAY_HOST", "",
            "smarthost for all outgoing mail: host, host:port or [host]:port (DEFAULT_RELAY_HOST is read too); "
                    + "empty = deliver directly to MX hosts");
    public static final Setting<Integer> RELAY_PORT = Setting.integer("relay.port", "RELAY_PORT", 25, 1, 65535,
            "port of relay.host when it does not name one");
    public static final Setting<String> RELAY_USER = Setting.string("relay.user", "RELAY_USER", "",
            "login for AUTH PLAIN/LOGIN at the relay host (and relay-map hosts); empty = no AUTH");
    public static final Setting<String> RELAY_PASSWORD = Setting.string("relay.password", "RELAY_PASSWORD", "",
            "password for relay.user");
    public static final Setting<RelayTls> RELAY_TLS = Setting.choice("relay.tls", null, RelayTls.STARTTLS,
            RelayTls.class, "TLS to relay hosts: starttls (required when credentials are set) or implicit (port 465)");
    public static final Setting<Boolean> RELAY_TLS_VERIFY = Setting.bool("relay.tls-verify", null, true,
            "verify the relay host's certificate and name (MX delivery is opportunistic TLS, unverified)");

    public static final List<Setting<?>> OUTBOUND = List.of(OUTBOUND_PORT, DNS_SERVER, OUTBOUND_CONNECT_TIMEOUT,
            OUTBOUND_TIMEOUT, QUEUE_RETRY_INITIAL, QUEUE_RETRY_MAX, QUEUE_MAX_AGE, QUEUE_DELAY_WARNING, RELAY_HOST,
            RELAY_PORT, RELAY_USER, RELAY_PASSWORD, RELAY_TLS, RELAY_TLS_VERIFY);

    // --- SRS, the Sender Rewriting Scheme (docker-mailserver's postsrsd) ---
    public static final Setting<Boolean> SRS_ENABLED = Setting.bool("srs.enabled", "ENABLE_SRS", false,
            "rewrite the envelope sender of mail leaving for other domains (forwards through aliases, relayed mail) "
                    + "into the SRS domain, in postsrsd's format, and reverse bounces to such addresses, as "
                    + "docker-mailserver's ENABLE_SRS=1 does; senders in local domains are left alone");
    public static final Setting<String> SRS_DOMAIN = Setting.string("srs.domain", "SRS_DOMAINNAME", "",
            "the domain rewritten senders get (its MX must be this server); empty = the hostname without its first "
                    + "label (mail.example.com gives example.com), or the hostname itself when it has one dot");
    public static final Setting<String> SRS_SECRET = Setting.string("srs.secret", "SRS_SECRET", "",
            "SRS secrets, comma-separated: the first signs, every one verifies (rotation); the same text as in "
                    + "postsrsd's secret file. Empty = the lines of srs.secret-file");
    public static final Setting<String> SRS_SECRET_FILE = Setting.string("srs.secret-file", null, "",
            "postsrsd's secret file (one secret a line; docker-mailserver's /etc/postsrsd.secret, kept in "
                    + "mail-state/etc-postsrsd/postsrsd.secret); created with a random secret (0600) when missing; "
                    + "empty = <data-dir>/state/postsrsd.secret");
    public static final Setting<String> SRS_EXCLUDE_DOMAINS = Setting.string("srs.exclude-domains",
            "SRS_EXCLUDE_DOMAINS", "", "sender domains never rewritten, comma- or space-separated; a leading dot "
                    + "(.example.com) means its subdomains, not the domain itself (postsrsd's rule)");

    public static final List<Setting<?>> SRS = List.of(SRS_ENABLED, SRS_DOMAIN, SRS_SECRET, SRS_SECRET_FILE,
            SRS_EXCLUDE_DOMAINS);

    // --- IMAP ---
    public static final Setting<Integer> IMAP_MAX_LINE_LENGTH = Setting.integer("imap.max-line-length", null, 65536,
            1000, 1 << 24, "longest IMAP command line in octets, literals not counted (Dovecot: 64k); longer gets BAD");
    public static final Setting<Long> IMAP_MAX_LITERAL_SIZE = Setting.size("imap.max-literal-size", null, 52428800,
            1024, "largest literal (an APPENDed message) in bytes; larger gets NO [TOOBIG] (or BYE for LITERAL+)");
    public static final Setting<Duration> IMAP_LOGIN_TIMEOUT = Setting.duration("imap.login-timeout", null, "60s",
            "how long an IMAP client has from the greeting until it has logged in, in total (however many commands "
                    + "it sends meanwhile); then BYE");
    public static final Setting<Duration> IMAP_IDLE_TIMEOUT = Setting.duration("imap.idle-timeout", null, "30m",
            "how long a logged-in IMAP client may stay silent, IDLE included (RFC 3501 5.4: at least 30 minutes)");
    public static final Setting<Duration> IMAP_IDLE_KEEPALIVE = Setting.duration("imap.idle-keepalive", null, "2m",
            "how often a client in IDLE hears \"* OK Still here\" (keeps NAT and proxy mappings open; Dovecot: 2m)");
    public static final Setting<Integer> IMAP_MAX_BAD_COMMANDS = Setting.integer("imap.max-bad-commands", null, 20,
            1, 1000, "BAD responses in one IMAP session before it is closed with BYE");

    public static final List<Setting<?>> IMAP = List.of(IMAP_MAX_LINE_LENGTH, IMAP_MAX_LITERAL_SIZE,
            IMAP_LOGIN_TIMEOUT, IMAP_IDLE_TIMEOUT, IMAP_IDLE_KEEPALIVE, IMAP_MAX_BAD_COMMANDS);

    // --- POP3 ---
    public static final Setting<Integer> POP3_MAX_LINE_LENGTH = Setting.integer("pop3.max-line-length", null, 1024,
            255, 65536, "longest POP3 command line (or SASL answer) in octets including CRLF (RFC 2449 4: 255 at "
                    + "least); longer gets -ERR");
    public static final Setting<Duration> POP3_LOGIN_TIMEOUT = Setting.duration("pop3.login-timeout", null, "60s",
            "how long a POP3 client has from the greeting until it has logged in, in total; then -ERR and close");
    public static final Setting<Duration> POP3_IDLE_TIMEOUT = Setting.duration("pop3.idle-timeout", null, "10m",
            "how long a logged-in POP3 client may stay silent (RFC 1939 3: at least 10 minutes); then -ERR and "
                    + "close, deleting nothing");
    public static final Setting<Integer> POP3_MAX_BAD_COMMANDS = Setting.integer("pop3.max-bad-commands", null, 20,
            1, 1000, "unknown, malformed or out-of-place POP3 commands in one session before it is closed");
    public static final Setting<Integer> POP3_MAX_AUTH_FAILURES = Setting.integer("pop3.max-auth-failures", null, 3,
            1, 100, "failed logins in one POP3 session before it is closed (each is also an auth-failure event "
                    + "for the ban engine)");

    public static final List<Setting<?>> POP3 = List.of(POP3_MAX_LINE_LENGTH, POP3_LOGIN_TIMEOUT, POP3_IDLE_TIMEOUT,
            POP3_MAX_BAD_COMMANDS, POP3_MAX_AUTH_FAILURES);

    // --- mail authentication of incoming mail ---
    public enum DmarcMode { ENFORCE, REPORT_ONLY }

    public static final Setting<Boolean> MAILAUTH_ENABLED = Setting.bool("mailauth.enabled", null, true,
            "check incoming mail at all (SPF, DKIM, ARC, DMARC, iprev); 0 turns every check off, while forged "
                    + "Authentication-Results fields are still removed");
    public static final Setting<List<Cidr>> MAILAUTH_IGNORE_HOSTS = Setting.cidrs("mailauth.ignore-hosts", null,
            "127.0.0.0/8, ::1", "clients whose mail is not checked (as OpenDMARC's IgnoreHosts, 127.0.0.1 by default); "
                    + "mail from relay.trusted-networks and logged-in users is not checked either");
    public static final Setting<Boolean> SPF_CHECK = Setting.bool("mailauth.spf", "ENABLE_POLICYD_SPF", true,
            "check SPF (RFC 7208) of mail from outside for the MAIL FROM and HELO identities, as docker-mailserver's "
                    + "policyd-spf does; results go into Authentication-Results and DMARC");
    public static final Setting<Boolean> SPF_REJECT_FAIL = Setting.bool("mailauth.spf-reject-fail", null, true,
            "refuse (550 5.7.23) mail whose MAIL FROM fails SPF, unless DMARC passes or a trusted ARC sealer vouches "
                    + "for it (policyd-spf's default, Mail_From_reject = Fail)");
    public static final Setting<Boolean> DKIM_CHECK = Setting.bool("mailauth.dkim", "ENABLE_OPENDKIM", true,
            "verify DKIM signatures (RFC 6376, RFC 8463) of mail from outside; signing of outgoing mail is not "
                    + "affected by this setting");
    public static final Setting<Boolean> ARC_CHECK = Setting.bool("mailauth.arc", null, true,
            "verify ARC chains (RFC 8617) of mail from outside");
    public static final Setting<String> ARC_TRUSTED_SEALERS = Setting.string("mailauth.arc-trusted-sealers", null, "",
            "domains (comma-separated) of forwarders and mailing lists whose passing ARC seal overrides a DMARC or "
                    + "SPF failure");
    public static final Setting<Boolean> DMARC_CHECK = Setting.bool("mailauth.dmarc", "ENABLE_OPENDMARC", true,
            "evaluate DMARC (RFC 7489) for mail from outside: policy reject is refused with 550 5.7.1, quarantine "
                    + "is filed in the recipient's Junk folder");
    public static final Setting<DmarcMode> DMARC_MODE = Setting.choice("mailauth.dmarc-mode", null, DmarcMode.ENFORCE,
            DmarcMode.class, "enforce: apply the sender domain's policy; report_only: evaluate, record and report, "
                    + "apply nothing");
    public static final Setting<Boolean> DMARC_REPORTS = Setting.bool("mailauth.dmarc-reports", null, true,
            "send DMARC aggregate reports (RFC 7489 7.2) once a day to domains that ask for them with rua=");
    public static final Setting<String> DMARC_REPORT_FROM = Setting.string("mailauth.dmarc-report-from", null, "",
            "the address DMARC aggregate reports are sent from; empty = noreply-dmarc@<hostname>");
    public static final Setting<String> PUBLIC_SUFFIX_LIST = Setting.string("mailauth.public-suffix-list", null,
            "/usr/share/publicsuffix/public_suffix_list.dat", "the Public Suffix List file (Debian package "
                    + "publicsuffix), for DMARC's organizational domains");
    public static final Setting<Boolean> DEFER_ON_DNS_FAILURE = Setting.bool("mailauth.defer-on-dns-failure", null,
            true, "when a DNS failure leaves SPF or DMARC undecided where the outcome could refuse the message, "
                    + "answer 451 so the sender retries, instead of delivering unchecked");
    public static final Setting<Boolean> REJECT_UNKNOWN_CLIENT = Setting.bool("mailauth.reject-unknown-client-hostname",
            "POSTFIX_REJECT_UNKNOWN_CLIENT_HOSTNAME", false, "refuse mail from clients without forward-confirmed "
                    + "reverse DNS (550 5.7.25; 450 when DNS fails), as Postfix's reject_unknown_client_hostname");

    public static final List<Setting<?>> MAILAUTH = List.of(MAILAUTH_ENABLED, MAILAUTH_IGNORE_HOSTS, SPF_CHECK, SPF_REJECT_FAIL, DKIM_CHECK, ARC_CHECK,
            ARC_TRUSTED_SEALERS, DMARC_CHECK, DMARC_MODE, DMARC_REPORTS, DMARC_REPORT_FROM, PUBLIC_SUFFIX_LIST,
            DEFER_ON_DNS_FAILURE, REJECT_UNKNOWN_CLIENT);

    public static final List<Setting<?>> ALL = java.util.stream.Stream.of(List.<Setting<?>>of(HOSTNAME, DOMAINS,
            LISTEN_ADDRESS, MAX_CONNECTIONS, MAX_LINE_LENGTH, MAX_MESSAGE_SIZE, MAX_RECIPIENTS, COMMAND_TIMEOUT,
            DATA_TIMEOUT, MAX_ERRORS, BARE_LF, RECIPIENT_DELIMITER, TLS_CERT, TLS_KEY, TLS_TYPE, TLS_LETSENCRYPT_DIR,
            POSTMASTER_ADDRESS, RUN_USER, RUN_GROUP, POP3_ENABLED, TRUSTED_NETWORKS, ALLOW_WIDE_TRUSTED_NETWORKS,
            PERMIT_DOCKER, SPOOF_PROTECTION, HIDE_CLIENT_IP, AUTH_ON_PORT_25, AUTH_FAILURE_DELAY, GREET_WAIT, GREET_EXEMPT),
            IMAP, POP3, MAILAUTH, GATE, OUTBOUND, SRS, PER_LISTENER)
            .flatMap(List::stream).toList();
}
