package org.mailwarden.gate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.tls.ServerTls;
import org.mailwarden.tls.TlsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket: one platform thread accepts, every admitted connection runs on its own virtual thread
 * with plain blocking I/O. The gate is asked before the protocol sees a byte; a semaphore bounds open
 * connections. Every protocol listener is one of these, so every protocol gets the same gate.
 */
public final class Listener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);
    private static final int HANDSHAKE_TIMEOUT_MS = 30_000;

    private final ListenerConfig config;
    private final ConnectionGate gate;
    private final ConnectionHandler handler;
    private final TlsProvider tls;
    private final EventBus events;
    private final Semaphore slots;
    private final int maxConnections;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private ServerSocket server;
    private Thread acceptor;
    private volatile boolean closing;

    public Listener(ListenerConfig config, ConnectionGate gate, ConnectionHandler handler, TlsProvider tls,
            int maxConnections, EventBus events) {
        this.config = config;
        this.gate = gate;
        this.handler = handler;
        this.tls = tls;
        this.events = events;
        this.maxConnections = maxConnections;
        this.slots = new Semaphore(maxConnections);
    }

    public void start() throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        InetSocketAddress bind = config.address() == null || config.address().isBlank()
                ? new InetSocketAddress(config.port())
                : new InetSocketAddress(InetAddress.getByName(config.address()), config.port());
        try {
            server.bind(bind, 512);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + bind + " for " + config.name() + ": " + e.getMessage()
                    + " (is another server using the port? choose another with --" + config.name() + "-port)", e);
        }
        acceptor = Thread.ofPlatform().name("accept-" + config.name()).daemon(true).start(this::acceptLoop);
        LOG.info("event=listening listener={} proto={} tls={} address={} port={}", config.name(),
                handler.protocol(), config.tls().name().toLowerCase(), server.getInetAddress().getHostAddress(),
                port());
    }

    public int port() {
        return server.getLocalPort();
    }

    public ListenerConfig config() {
        return config;
    }

    public int openConnections() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closing) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                LOG.warn("event=accept-failed listener={} reason=\"{}\"", config.name(), e.getMessage());
                continue;
            }
            Thread.ofVirtual().name("conn-" + config.name()).start(() -> serve(s));
        }
    }

    private void serve(Socket s) {
        InetAddress ip = s.getInetAddress();
        Event.Origin origin = new Event.Origin(handler.protocol(), config.name(), ip.getHostAddress());
        if (!slots.tryAcquire()) {
            events.emit(new Event.ConnectionRefused(origin, "too-many-connections"));
            refuse(s, "Too many connections (limit " + maxConnections + "), try again later");
            return;
        }
        try {
            if (gate.admit(ip, config) instanceof ConnectionGate.Decision.Refuse(String reason)) {
                events.emit(new Event.ConnectionRefused(origin, reason));
                refuse(s, "Connection refused: " + reason);
                return;
            }
            try {
                runAdmitted(s, ip);
            } finally {
                gate.closed(ip, config);
            }
        } finally {
            slots.release();
        }
    }

    private void runAdmitted(Socket s, InetAddress ip) {
        Connection c = new Connection(s, ip, config, handler.protocol());
        open.add(c);
        try {
            s.setTcpNoDelay(true);
            if (config.tls() == ListenerConfig.TlsMode.IMPLICIT) {
                s.setSoTimeout(HANDSHAKE_TIMEOUT_MS); // a client that never finishes the handshake is dropped
                c.upgraded(ServerTls.wrapAccepted(s, tls));
            }
            handler.handle(c);
        } catch (SocketException e) {
            // client went away; the protocol logged what it knew
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                LOG.warn("event=session-failed listener={} ip={} session={} reason=\"{}\"", config.name(),
                        ip.getHostAddress(), c.id(), e.toString());
            }
        } finally {
            open.remove(c);
            c.close();
        }
    }

    private void refuse(Socket s, String reason) {
        try (s) {
            s.setSoTimeout(5000);
            if (config.tls() == ListenerConfig.TlsMode.IMPLICIT) {
                // A refused implicit-TLS client gets no handshake: closing is the only honest answer.
                return;
            }
            handler.refuse(s.getOutputStream(), reason);
        } catch (IOException ignored) {
            // the client may already be gone
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        for (Connection c : open) {
            c.close();
        }
        if (acceptor != null) {
            try {
                acceptor.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
