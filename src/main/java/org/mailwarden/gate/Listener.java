package org.mailwarden.gate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
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
    /** How long close() waits for the sessions to finish once their sockets are closed. */
    public static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(5);
    /**
     * How long past a stage's deadline the watchdog waits for the session to answer it (421, BYE) before it closes
     * the connection itself: the session notices at its next read, which may come after some work of its own.
     */
    public static final Duration DEADLINE_GRACE = Duration.ofSeconds(2);

    private final ListenerConfig config;
    private final ConnectionGate gate;
    private final ConnectionHandler handler;
    private final TlsProvider tls;
    private final EventBus events;
    private final Semaphore slots;
    private final int maxConnections;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    /** Every accepted socket whose thread has not finished, admitted or not yet: what close() waits for. */
    private final Map<Socket, Thread> sessions = new ConcurrentHashMap<>();
    private ServerSocket server;
    private Thread acceptor;
    private volatile boolean closing;
    private final Duration writeTimeout;
    private final Duration tlsHandshakeTimeout;
    private Thread watchdog;

    /**
     * {@code writeTimeout}: how long a write may stay blocked; {@code tlsHandshakeTimeout}: how long a TLS
     * handshake may take in all. The watchdog enforces both, and every stage deadline a session sets.
     */
    public Listener(ListenerConfig config, ConnectionGate gate, ConnectionHandler handler, TlsProvider tls,
            int maxConnections, Duration writeTimeout, Duration tlsHandshakeTimeout, EventBus events) {
        this.writeTimeout = writeTimeout;
        this.tlsHandshakeTimeout = tlsHandshakeTimeout;
        this.config = config;
        this.gate = gate;
        this.handler = handler;
        this.tls = tls;
        this.events = events;
        this.maxConnections = maxConnections;
        this.slots = new Semaphore(maxConnections);
    }

    /** Binds the port without accepting yet (serve binds every port as root, then drops root, then starts). */
    public void bind() throws IOException {
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
    }

    /** Starts accepting connections, binding first if {@link #bind} was not called. */
    public void start() throws IOException {
        if (server == null) {
            bind();
        }
        acceptor = Thread.ofPlatform().name("accept-" + config.name()).daemon(true).start(this::acceptLoop);
        watchdog = Thread.ofVirtual().name("watchdog-" + config.name()).start(this::watch);
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
            Thread t = Thread.ofVirtual().name("conn-" + config.name()).unstarted(() -> {
                try {
                    serve(s);
                } finally {
                    sessions.remove(s);
                }
            });
            sessions.put(s, t);
            if (closing) {
                // close() may have looked at the sessions before this one was added
                closeQuietly(s);
            }
            t.start();
        }
    }

    /**
     * Closes connections whose write has been blocked longer than the write timeout (a client that stops reading
     * would otherwise hold its session, and a connection slot, for ever) and those past a stage's deadline that
     * their session did not answer (a TLS handshake, or a session stuck elsewhere than in a read). Looks a few
     * times per timeout, at least once a second.
     */
    private void watch() {
        long writeLimit = writeTimeout.isPositive() ? writeTimeout.toNanos() : Long.MAX_VALUE;
        long period = Math.clamp(Math.min(writeTimeout.isPositive() ? writeTimeout.toMillis() : Long.MAX_VALUE,
                tlsHandshakeTimeout.toMillis()) / 4, 50, 1000);
        long grace = DEADLINE_GRACE.toNanos();
        while (!closing) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : open) {
                if (c.writeBlockedNanos(now) > writeLimit) {
                    events.emit(new Event.Timeout(c.origin(), c.id(), "write"));
                    c.abort();
                } else if (c.overdue(now, grace) instanceof Connection.Deadline d) {
                    events.emit(new Event.Timeout(c.origin(), c.id(), d.stage()));
                    c.abort();
                }
            }
        }
    }

    private void serve(Socket s) {
        InetAddress peer = s.getInetAddress();
        if (!slots.tryAcquire()) {
            events.emit(new Event.ConnectionRefused(origin(peer), "too-many-connections"));
            refuse(s, "Too many connections (limit " + maxConnections + "), try again later");
            return;
        }
        try {
            InetAddress ip = realClient(s, peer);
            if (ip == null) {
                return; // bad or missing PROXY header: closed and reported
            }
            if (gate.admit(ip, config) instanceof ConnectionGate.Decision.Refuse(String reason, boolean silent)) {
                events.emit(new Event.ConnectionRefused(origin(ip), reason));
                if (silent) {
                    closeQuietly(s);
                } else {
                    refuse(s, "Connection refused: " + reason);
                }
                return;
            }
            Connection c = new Connection(s, ip, config, handler.protocol(), gate, tlsHandshakeTimeout);
            try {
                runAdmitted(c);
            } finally {
                gate.closed(c);
            }
        } finally {
            slots.release();
        }
    }

    private Event.Origin origin(InetAddress ip) {
        return new Event.Origin(handler.protocol(), config.name(), ip.getHostAddress());
    }

    /**
     * The real client IP: the peer's, or, on a listener that requires the PROXY protocol, the one in the header a
     * trusted proxy sent. Reads exactly the header's bytes from the socket, so the protocol (and a TLS handshake
     * on implicit-TLS listeners) starts on the client's first byte. Null after closing the connection when the
     * peer is not a trusted proxy or the header is missing or garbled.
     */
    private InetAddress realClient(Socket s, InetAddress peer) {
        ProxyPolicy proxy = gate.proxy(config);
        if (!proxy.required()) {
            return peer;
        }
        if (!proxy.trusts(peer)) {
            proxyRefused(s, peer, "proxy-untrusted", "peer is not in proxy.trusted");
            return null;
        }
        try {
            s.setSoTimeout((int) Math.max(1, proxy.timeout().toMillis()));
            ProxyHeader h = ProxyProtocol.read(s.getInputStream());
            s.setSoTimeout(0);
            return h.hasClient() ? h.source().getAddress() : peer;
        } catch (ProxyProtocolException e) {
            proxyRefused(s, peer, "proxy-header-invalid", e.getMessage());
        } catch (java.net.SocketTimeoutException e) {
            proxyRefused(s, peer, "proxy-header-timeout", "no PROXY header within " + proxy.timeout());
        } catch (IOException e) {
            proxyRefused(s, peer, "proxy-header-invalid", e.toString());
        }
        return null;
    }

    private void proxyRefused(Socket s, InetAddress peer, String reason, String detail) {
        LOG.warn("event=proxy-refused listener={} peer={} reason={} detail=\"{}\"", config.name(),
                peer.getHostAddress(), reason, detail.replace('"', '\''));
        events.emit(new Event.ConnectionRefused(origin(peer), reason));
        try {
            s.close(); // a proxy expects no greeting; a client that is not one gets none either
        } catch (IOException ignored) {
            // already gone
        }
    }

    private void runAdmitted(Connection c) {
        Socket s = c.socket();
        InetAddress ip = c.clientIp();
        open.add(c);
        gate.opened(c);
        try {
            s.setTcpNoDelay(true);
            if (config.tls() == ListenerConfig.TlsMode.IMPLICIT && c.acceptTls(tls, events) == null) {
                return; // timed out or failed (plain text on a TLS port, a scanner): reported to the ban engine
            }
            handler.handle(c);
        } catch (SocketException e) {
            // client went away (or a ban closed the socket); the protocol logged what it knew
        } catch (IOException | RuntimeException e) {
            if (!closing && !s.isClosed()) {
                LOG.warn("event=session-failed listener={} ip={} session={} reason=\"{}\"", config.name(),
                        ip.getHostAddress(), c.id(), e.toString());
            }
        } finally {
            open.remove(c);
            c.close();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
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

    /** Stops accepting and closes every connection, without waiting; {@link #awaitSessions} waits for them. */
    public void shutdown() {
        closing = true;
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : sessions.keySet()) {
            closeQuietly(s); // admitted or not yet (a PROXY header or a refusal in progress): the TCP socket under TLS
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
    }

    /**
     * Waits until the sessions have finished what they do when their socket closes (an IMAP session closes its
     * mailbox, which may write the uidlist), so that nothing writes after the server is closed; at most until
     * {@code deadline} (System.nanoTime()). False, and logged, when some are still running then.
     */
    public boolean awaitSessions(long deadline) {
        try {
            if (acceptor != null) {
                acceptor.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
            for (Thread t : sessions.values()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    LOG.warn("event=shutdown-slow listener={} sessions={}", config.name(), sessions.size());
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        shutdown();
        awaitSessions(System.nanoTime() + SHUTDOWN_WAIT.toNanos());
    }
}
