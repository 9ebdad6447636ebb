package org.mailwarden.gate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.server.MailServer;
import org.mailwarden.support.ServerClose;
import org.mailwarden.support.SmtpClient;

/**
 * A real Mailwarden with the security gate, on ephemeral loopback ports (smtp, submission, submissions), with
 * extra mailwarden.conf lines. Loopback is the trusted proxy; PROXY headers present other client IPs.
 */
final class GateServer implements AutoCloseable {

    final Path dir;
    final MailServer server;
    final List<Event> events = new CopyOnWriteArrayList<>();

    private GateServer(Path dir, MailServer server) {
        this.dir = dir;
        this.server = server;
        server.events().subscribe(events::add);
    }

    /** Starts on {@code dir}; the config file is written only if absent (so a restart keeps it). */
    static GateServer start(Path dir, String extraConfig) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Path conf = config.resolve(ServerConfig.CONFIG_FILE);
        if (!Files.exists(conf)) {
            Files.writeString(conf, """
                    listen.address = 127.0.0.1
                    hostname = mx.example.test
                    domains = example.test
                    smtp.greet-wait = 0
                    auth.failure-delay = 10ms
                    dns.server = 127.0.0.1:9
                    mailauth.enabled = 0
                    """ + extraConfig);
        }
        ServerConfig c = ServerConfig.load(dir, null, null, new ServerConfig.Ports(0, 0, 0, 0, 0), Map.of());
        return new GateServer(dir, new MailServer(c, new EventBus(), Clock.systemUTC()).start());
    }

    SecurityGate gate() {
        return (SecurityGate) server.gate();
    }

    int port(String listener) {
        return server.port(listener);
    }

    /** Connects to a listener through the "proxy" (loopback), presenting {@code clientIp} with a v1 or v2 header. */
    static SmtpClient via(int port, String clientIp, int version) throws IOException {
        SmtpClient c = new SmtpClient(port);
        InetSocketAddress src = new InetSocketAddress(InetAddress.ofLiteral(clientIp), 40000);
        InetSocketAddress dst = new InetSocketAddress(InetAddress.ofLiteral(
                clientIp.contains(":") ? "::1" : "127.0.0.1"), port);
        c.sendRaw(version == 1 ? ProxyProtocol.v1(src, dst) : ProxyProtocol.v2(src, dst));
        return c;
    }

    /** Reads until the server closes the connection; returns what came. Fails (times out) if it never closes. */
    static String untilClosed(SmtpClient c) throws IOException {
        return new String(ServerClose.untilClosed(c.socket.getInputStream()), StandardCharsets.UTF_8);
    }

    <E extends Event> List<E> events(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        server.close();
    }
}
