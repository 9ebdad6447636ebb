package org.mailwarden.gate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.mailwarden.config.PrivateFiles;
import org.mailwarden.config.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local admin API the {@code mailwarden fail2ban} command talks to: HTTP on 127.0.0.1 only, on an ephemeral
 * port written to {@code <stateDir>/admin.port}, every request carrying the random token from
 * {@code <stateDir>/admin.token} (mode 0600, new at every start) in the {@value #TOKEN_HEADER} header.
 *
 * <pre>
 * GET  /status                 engine on/off, active bans, open connections, the ban settings, the heap
 * GET  /bans[?format=text]     active bans: ip, reason, since, until (or permanent), count
 * POST /ban?ip=IP[&amp;for=1h]      ban by hand (default: the escalated bantime)
 * POST /unban?ip=IP            lift a ban
 * </pre>
 * Answers are JSON (or tab-separated text with format=text); errors are 4xx with {"error": "..."}.
 */
public final class AdminApi implements AutoCloseable {

    public static final String TOKEN_HEADER = "X-Mailwarden-Token";
    public static final String PORT_FILE = "admin.port";
    public static final String TOKEN_FILE = "admin.token";
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    private final SecurityGate gate;
    private final Path stateDir;
    private final java.util.function.Supplier<String> kernelStatus;
    private final byte[] token;
    private HttpServer server;
    private ExecutorService executor;

    public AdminApi(SecurityGate gate, Path stateDir) {
        this(gate, stateDir, () -> "{\"state\":\"off\"}");
    }

    /** With {@code kernelStatus}: the kernel side of the bans (a JSON object) that /status shows under "kernel". */
    public AdminApi(SecurityGate gate, Path stateDir, java.util.function.Supplier<String> kernelStatus) {
        this.kernelStatus = kernelStatus;
        this.gate = gate;
        this.stateDir = stateDir;
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        this.token = HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII);
    }

    public AdminApi start() throws IOException {
        PrivateFiles.directory(stateDir);
        Path tokenFile = stateDir.resolve(TOKEN_FILE);
        PrivateFiles.writeString(tokenFile, token());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        executor = Executors.newVirtualThreadPerTaskExecutor(); // one virtual thread per request, no pool
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        BanEngine.writeAtomically(stateDir.resolve(PORT_FILE), port() + "\n");
        LOG.info("event=admin-listening address=127.0.0.1 port={} token-file=\"{}\"", port(), tokenFile);
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String token() {
        return new String(token, StandardCharsets.US_ASCII);
    }

    private void handle(HttpExchange x) throws IOException {
        try {
            route(x);
        } catch (IllegalStateException e) {
            send(x, 409, error(e.getMessage()));
        } catch (IllegalArgumentException e) {
            send(x, 400, error(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("event=admin-error reason=\"{}\"", e.toString());
            send(x, 500, error(e.toString()));
        } finally {
            x.close();
        }
    }

    private void route(HttpExchange x) throws IOException {
        String given = x.getRequestHeaders().getFirst(TOKEN_HEADER);
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.US_ASCII), token)) {
            send(x, 401, error("missing or wrong " + TOKEN_HEADER + " (the token is in " + TOKEN_FILE + ")"));
            return;
        }
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        String path = x.getRequestURI().getPath();
        String method = x.getRequestMethod();
        switch (path) {
            case "/status" -> send(x, 200, status());
            case "/bans" -> {
                if ("text".equals(q.get("format"))) {
                    sendText(x, banText(gate.bans().bans()));
                } else {
                    send(x, 200, banJson(gate.bans().bans()));
                }
            }
            case "/ban" -> {
                if (!method.equals("POST")) {
                    send(x, 405, error("use POST"));
                    return;
                }
                InetAddress ip = address(q.get("ip"));
                Duration d = q.get("for") == null ? null : banDuration(q.get("for"));
                String reason = Fail2banLines.clean(q.getOrDefault("reason", "manual"));
                BanEngine.Ban b = gate.bans().ban(ip, d, reason.isEmpty() ? "manual" : reason);
                send(x, 200, json(b));
            }
            case "/unban" -> {
                if (!method.equals("POST")) {
                    send(x, 405, error("use POST"));
                    return;
                }
                InetAddress ip = address(q.get("ip"));
                boolean lifted = gate.bans().unban(ip);
                send(x, lifted ? 200 : 404, lifted ? "{\"unbanned\":\"" + Networks.display(Networks.banUnit(ip))
                        + "\"}" : error(q.get("ip") + " is not banned"));
            }
            default -> send(x, 404, error("unknown endpoint " + path + "; try /status, /bans, /ban, /unban"));
        }
    }

    private static InetAddress address(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("the ip parameter is missing");
        }
        try {
            return InetAddress.getByAddress(Networks.parseUnit(s).network());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address");
        }
    }

    /**
     * A manual ban's length: "permanent", or a duration ("30m", "7d"); one too long to represent counts as
     * permanent, as does anything of {@link BanEngine#PERMANENT_FROM} or more.
     */
    static Duration banDuration(String s) {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("permanent")) {
            return ChronoUnit.FOREVER.getDuration();
        }
        try {
            return Setting.parseDuration(t);
        } catch (ArithmeticException | NumberFormatException e) {
            if (t.matches("\\d+(ms|s|m|h|d)?")) {
                return ChronoUnit.FOREVER.getDuration(); // digits beyond a long, or days beyond a Duration
            }
            throw new IllegalArgumentException("bad duration '" + s + "': use e.g. 30m, 12h, 7d or permanent");
        }
    }

    private String status() {
        BanEngine e = gate.bans();
        var c = e.config();
        System.gc(); // the heap in use is what is live, not what garbage has yet to be collected
        Runtime rt = Runtime.getRuntime();
        return "{\"enabled\":" + e.enabled() + ",\"bans\":" + e.bans().size() + ",\"connections\":"
                + gate.registry().size() + ",\"maxretry\":" + c.maxRetry() + ",\"findtime\":\"" + c.findTime()
                + "\",\"bantime\":\"" + c.banTime() + "\",\"max-bantime\":\"" + c.maxBanTime() + "\",\"heapUsed\":"
                + (rt.totalMemory() - rt.freeMemory()) + ",\"heapMax\":" + rt.maxMemory() + ",\"kernel\":"
                + kernelStatus.get() + "}";
    }

    static String banJson(List<BanEngine.Ban> bans) {
        StringBuilder sb = new StringBuilder("[");
        for (BanEngine.Ban b : bans) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(json(b));
        }
        return sb.append(']').toString();
    }

    static String json(BanEngine.Ban b) {
        return "{\"ip\":\"" + b.ip() + "\",\"reason\":\"" + b.reason() + "\",\"since\":\"" + b.since()
                + "\",\"until\":" + (b.permanent() ? "null" : "\"" + b.until() + "\"") + ",\"count\":" + b.count() + "}";
    }

    static String banText(List<BanEngine.Ban> bans) {
        StringBuilder sb = new StringBuilder();
        for (BanEngine.Ban b : bans) {
            sb.append(b.ip()).append('\t').append(b.reason()).append('\t')
                    .append(b.permanent() ? "permanent" : b.until().toString()).append('\t').append(b.count())
                    .append('\n');
        }
        return sb.toString();
    }

    private static String error(String message) {
        return "{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static void send(HttpExchange x, int code, String json) throws IOException {
        byte[] b = (json + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(code, b.length);
        try (OutputStream o = x.getResponseBody()) {
            o.write(b);
        }
    }

    private static void sendText(HttpExchange x, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream o = x.getResponseBody()) {
                o.write(b);
            }
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            server = null;
            try {
                Files.deleteIfExists(stateDir.resolve(PORT_FILE));
            } catch (IOException ignored) {
                // a stale port file only makes the CLI report "no server running"
            }
        }
        if (executor != null) {
            executor.close();
        }
    }
}
