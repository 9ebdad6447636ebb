package org.mailwarden.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything the server needs to start, resolved from (in increasing precedence) defaults, the config file
 * {@code <configDir>/mailwarden.conf}, docker-mailserver environment variables and command-line options.
 *
 * <p>Data dir layout: {@code config/} (docker-mailserver's docker-data/dms/config), {@code mail/}
 * (docker-mailserver's mail-data), {@code state/} (queue, bans), {@code tls/} (self-signed certificate).
 *
 * <p>{@code runUser} and {@code runGroup} are the run.user and run.group settings as given (see
 * {@code org.mailwarden.unix.RunAs} for what they resolve to).
 */
public record ServerConfig(Path dataDir, Path configDir, Path mailDir, Path stateDir, String hostname,
        Set<String> extraDomains, List<ListenerConfig> listeners, SmtpConfig smtp, int maxConnections,
        String recipientDelimiter, Path tlsCert, Path tlsKey, SubmissionConfig submission, GateConfig gate,
        OutboundConfig outbound, String postmasterAddress, ImapConfig imap, Pop3Config pop3, String runUser, String runGroup,
        SrsConfig srs, MailAuthConfig mailAuth) {

    public static final String CONFIG_FILE = "mailwarden.conf";

    public ServerConfig withGate(GateConfig g) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, g, outbound, postmasterAddress, imap, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public Path tlsDir() {
        return dataDir.resolve("tls");
    }

    public ServerConfig withListeners(List<ListenerConfig> l) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, List.copyOf(l), smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, gate, outbound, postmasterAddress, imap, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public ServerConfig withSmtp(SmtpConfig s) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, s,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, gate, outbound, postmasterAddress, imap, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp, n,
                recipientDelimiter, tlsCert, tlsKey, submission, gate, outbound, postmasterAddress, imap, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public ServerConfig withSubmission(SubmissionConfig s) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, s, gate, outbound, postmasterAddress, imap, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public ServerConfig withOutbound(OutboundConfig o) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, gate, o, postmasterAddress, imap, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public ServerConfig withImap(ImapConfig i) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, gate, outbound, postmasterAddress, i, pop3,
                runUser, runGroup, srs, mailAuth);
    }

    public ServerConfig withMailAuth(MailAuthConfig a) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, gate, outbound, postmasterAddress, imap,
                pop3, runUser, runGroup, srs, a);
    }

    public ServerConfig withPop3(Pop3Config p) {
        return new ServerConfig(dataDir, configDir, mailDir, stateDir, hostname, extraDomains, listeners, smtp,
                maxConnections, recipientDelimiter, tlsCert, tlsKey, submission, gate, outbound, postmasterAddress, imap, p,
                runUser, runGroup, srs, mailAuth);
    }

    /**
     * Ports per protocol; null leaves the listener out. The POP3 listeners run only with {@code pop3.enabled}
     * (ENABLE_POP3=1).
     */
    public record Ports(Integer smtp, Integer submission, Integer submissions, Integer imap, Integer imaps,
            Integer pop3, Integer pop3s) {

        /** Without POP3 ports. */
        public Ports(Integer smtp, Integer submission, Integer submissions, Integer imap, Integer imaps) {
            this(smtp, submission, submissions, imap, imaps, null, null);
        }

        /** 25/587/465/143/993/110/995 when running as root, 2525/2587/2465/2143/2993/2110/2995 otherwise. */
        public static Ports standard(boolean privileged) {
            return privileged ? new Ports(25, 587, 465, 143, 993, 110, 995)
                    : new Ports(2525, 2587, 2465, 2143, 2993, 2110, 2995);
        }
    }

    /**
     * Loads the configuration for a data dir. {@code env} is the process environment (a parameter so tests
     * can pass their own); {@code configDirOverride} and {@code mailDirOverride} point at an existing
     * docker-mailserver tree when given.
     */
    public static ServerConfig load(Path dataDir, Path configDirOverride, Path mailDirOverride, Ports ports,
            Map<String, String> env) {
        return load(dataDir, configDirOverride, mailDirOverride, ports, env, PermitDocker::localInterfaces);
    }

    /** As above, with this machine's interfaces given (for PERMIT_DOCKER; tests pass their own). */
    public static ServerConfig load(Path dataDir, Path configDirOverride, Path mailDirOverride, Ports ports,
            Map<String, String> env, java.util.function.Supplier<List<PermitDocker.InterfaceNetwork>> interfaces) {
        Path data = dataDir.toAbsolutePath().normalize();
        Path configDir = configDirOverride != null ? configDirOverride.toAbsolutePath() : data.resolve("config");
        Path mailDir = mailDirOverride != null ? mailDirOverride.toAbsolutePath() : data.resolve("mail");
        Values v = new Values(readFile(configDir.resolve(CONFIG_FILE)), env);

        String hostname = v.get(Settings.HOSTNAME);
        if (hostname.isBlank()) {
            hostname = localHostName();
        }
        String bind = v.get(Settings.LISTEN_ADDRESS);
        List<ListenerConfig> listeners = new ArrayList<>();
        addListener(listeners, "smtp", ListenerConfig.Protocol.SMTP, ListenerConfig.TlsMode.STARTTLS, bind, ports.smtp());
        addListener(listeners, "submission", ListenerConfig.Protocol.SUBMISSION, ListenerConfig.TlsMode.STARTTLS,
                bind, ports.submission());
        addListener(listeners, "submissions", ListenerConfig.Protocol.SUBMISSION, ListenerConfig.TlsMode.IMPLICIT,
                bind, ports.submissions());
        addListener(listeners, "imap", ListenerConfig.Protocol.IMAP, ListenerConfig.TlsMode.STARTTLS, bind, ports.imap());
        addListener(listeners, "imaps", ListenerConfig.Protocol.IMAP, ListenerConfig.TlsMode.IMPLICIT, bind, ports.imaps());
        if (v.get(Settings.POP3_ENABLED)) {
            addListener(listeners, "pop3", ListenerConfig.Protocol.POP3, ListenerConfig.TlsMode.STARTTLS, bind,
                    ports.pop3());
            addListener(listeners, "pop3s", ListenerConfig.Protocol.POP3, ListenerConfig.TlsMode.IMPLICIT, bind,
                    ports.pop3s());
        }

        SmtpConfig smtp = new SmtpConfig(v.get(Settings.MAX_LINE_LENGTH), v.get(Settings.MAX_MESSAGE_SIZE),
                v.get(Settings.MAX_RECIPIENTS), v.get(Settings.COMMAND_TIMEOUT), v.get(Settings.DATA_TIMEOUT),
                v.get(Settings.MAX_ERRORS), v.get(Settings.BARE_LF), v.get(Settings.GREET_WAIT),
                v.get(Settings.GREET_EXEMPT));
        Set<String> domains = Arrays.stream(v.get(Settings.DOMAINS).split("[,\\s]+"))
                .map(String::strip).filter(s -> !s.isEmpty()).map(String::toLowerCase).collect(Collectors.toSet());
        boolean wideOk = v.get(Settings.ALLOW_WIDE_TRUSTED_NETWORKS);
        List<Cidr> trusted = new ArrayList<>(v.get(Settings.TRUSTED_NETWORKS));
        List<String> warnings = new ArrayList<>(TrustedNetworks.validate(trusted, wideOk));
        String permitDocker = v.get(Settings.PERMIT_DOCKER);
        if (!permitDocker.isBlank() && !permitDocker.equalsIgnoreCase("none")) {
            List<Cidr> docker = PermitDocker.networks(permitDocker, interfaces.get());
            warnings.addAll(TrustedNetworks.validate(docker, wideOk, "PERMIT_DOCKER=" + permitDocker));
            trusted.addAll(docker);
        }
        SubmissionConfig submission = new SubmissionConfig(trusted, warnings, v.get(Settings.SPOOF_PROTECTION),
                v.get(Settings.HIDE_CLIENT_IP), v.get(Settings.AUTH_ON_PORT_25), v.get(Settings.AUTH_FAILURE_DELAY));
        String cert = v.get(Settings.TLS_CERT);
        String key = v.get(Settings.TLS_KEY);
        if (cert.isBlank() != key.isBlank()) {
            throw new ConfigException("tls.cert and tls.key (SSL_CERT_PATH / SSL_KEY_PATH) must be set together: "
                    + "set both to your fullchain.pem and privkey.pem, or neither for a self-signed certificate");
        }
        String sslType = v.get(Settings.TLS_TYPE).strip().toLowerCase(java.util.Locale.ROOT);
        switch (sslType) {
            case "", "self-signed" -> { }
            case "manual" -> {
                if (cert.isBlank()) {
                    throw new ConfigException("SSL_TYPE=manual (tls.type) needs SSL_CERT_PATH and SSL_KEY_PATH "
                            + "(tls.cert, tls.key): set them to your fullchain.pem and privkey.pem");
                }
            }
            case "letsencrypt" -> {
                if (cert.isBlank()) {
                    Path live = Path.of(v.get(Settings.TLS_LETSENCRYPT_DIR));
                    Path found = letsEncryptDir(live, hostname);
                    cert = found.resolve("fullchain.pem").toString();
                    key = found.resolve("privkey.pem").toString();
                }
            }
            default -> throw new ConfigException("SSL_TYPE=" + sslType + " (tls.type) is not supported: use "
                    + "letsencrypt, manual (with SSL_CERT_PATH and SSL_KEY_PATH) or self-signed");
        }
        return new ServerConfig(data, configDir, mailDir, data.resolve("state"), hostname, domains,
                List.copyOf(listeners), smtp, v.get(Settings.MAX_CONNECTIONS), v.get(Settings.RECIPIENT_DELIMITER),
                cert.isBlank() ? null : Path.of(cert), key.isBlank() ? null : Path.of(key), submission,
                GateConfig.load(v).withTrustedNetworks(trusted), OutboundConfig.load(v, env, configDir),
                v.get(Settings.POSTMASTER_ADDRESS).strip().toLowerCase(java.util.Locale.ROOT), ImapConfig.load(v),
                Pop3Config.load(v), v.get(Settings.RUN_USER), v.get(Settings.RUN_GROUP),
                SrsConfig.load(v, hostname, data.resolve("state")), MailAuthConfig.load(v, hostname));
    }

    /** run.user and run.group alone (file, then environment), for admin commands that load nothing else. */
    public static List<String> runUserSettings(Path configDir, Map<String, String> env) {
        Values v = new Values(readFile(configDir.resolve(CONFIG_FILE)), env);
        return List.of(v.get(Settings.RUN_USER), v.get(Settings.RUN_GROUP));
    }

    private static void addListener(List<ListenerConfig> out, String name, ListenerConfig.Protocol p,
            ListenerConfig.TlsMode tls, String bind, Integer port) {
        if (port == null) {
            return;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("port " + port + " for the " + name + " listener is out of range: use 1-65535, "
                    + "or 0 to turn the listener off");
        }
        out.add(new ListenerConfig(name, p, tls, bind, port));
    }

    /** docker-mailserver's SSL_TYPE=letsencrypt: live/<hostname>/, else live/<hostname without its first label>/. */
    static Path letsEncryptDir(Path live, String hostname) {
        List<Path> tried = new ArrayList<>();
        tried.add(live.resolve(hostname));
        int dot = hostname.indexOf('.');
        if (dot > 0 && hostname.indexOf('.', dot + 1) > 0) {
            tried.add(live.resolve(hostname.substring(dot + 1)));
        }
        for (Path p : tried) {
            if (Files.isRegularFile(p.resolve("fullchain.pem")) && Files.isRegularFile(p.resolve("privkey.pem"))) {
                return p;
            }
        }
        throw new ConfigException("SSL_TYPE=letsencrypt: no fullchain.pem and privkey.pem in " + tried
                + ". Fix: mount your /etc/letsencrypt, set tls.letsencrypt-dir, set hostname to the certificate's "
                + "name, or use SSL_TYPE=manual with SSL_CERT_PATH and SSL_KEY_PATH");
    }

    private static String localHostName() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName();
            return h == null || h.isBlank() ? "localhost" : h;
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** mailwarden.conf: {@code key = value} lines, {@code #} comments. Unknown keys stop start-up (typos). */
    static Map<String, String> readFile(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        Set<String> known = Settings.ALL.stream().map(Setting::key).collect(Collectors.toSet());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 1) {
                throw new ConfigException(file + ":" + (i + 1) + ": expected 'key = value', got '" + line + "'");
            }
            String k = line.substring(0, eq).strip();
            if (!known.contains(k)) {
                throw new ConfigException(file + ":" + (i + 1) + ": unknown setting '" + k
                        + "'. Known settings: " + known.stream().sorted().toList());
            }
            out.put(k, line.substring(eq + 1).strip());
        }
        return out;
    }

    /** Resolves a setting from the file, then the environment (env wins, as in docker-mailserver). */
    private record Values(Map<String, String> file, Map<String, String> env)
            implements GateConfig.Source, OutboundConfig.Source, ImapConfig.Source, Pop3Config.Source,
            SrsConfig.Source, MailAuthConfig.Source {
        @Override
        public <T> T get(Setting<T> s) {
            if (s.env() != null && env.get(s.env()) != null && !env.get(s.env()).isBlank()) {
                return s.parse(env.get(s.env()), "environment variable " + s.env());
            }
            if (file.containsKey(s.key())) {
                return s.parse(file.get(s.key()), CONFIG_FILE);
            }
            return s.parse(s.defaultValue(), "default");
        }
    }
}
