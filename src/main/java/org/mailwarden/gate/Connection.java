package org.mailwarden.gate;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import javax.net.ssl.SSLSocket;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.tls.ServerTls;
import org.mailwarden.tls.TlsProvider;

/**
 * One accepted client connection as protocol code sees it: the socket (replaced after STARTTLS), the real
 * client IP (later from PROXY protocol when the peer is a trusted proxy) and a short session id for logs.
 */
public final class Connection {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private volatile Socket socket;
    /** The accepted TCP socket, under TLS when there is TLS: closing it never waits (see {@link #abort()}). */
    private final Socket tcp;
    private final InetAddress clientIp;
    private final ListenerConfig listener;
    private final String id;
    private final Event.Origin origin;
    private final ConnectionGate gate;
    /** When the write in progress began (System.nanoTime()); {@link #NOT_WRITING} between writes. */
    private volatile long writeStarted = NOT_WRITING;
    private static final long NOT_WRITING = Long.MIN_VALUE;

    public Connection(Socket socket, InetAddress clientIp, ListenerConfig listener, String protocol) {
        this(socket, clientIp, listener, protocol, ConnectionGate.OPEN);
    }

    /** {@code clientIp} is the real client (from the PROXY header when there was one), not necessarily the peer. */
    public Connection(Socket socket, InetAddress clientIp, ListenerConfig listener, String protocol,
            ConnectionGate gate) {
        this.socket = socket;
        this.tcp = socket;
        this.clientIp = clientIp;
        this.listener = listener;
        this.id = newId();
        this.origin = new Event.Origin(protocol, listener.name(), clientIp.getHostAddress());
        this.gate = gate;
    }

    /**
     * Asks the security gate whether {@code account} may log in from this connection's real client IP on this
     * listener: call it before verifying a password, on every protocol (bans, access lists, per-account networks,
     * the per-account failure limiter).
     */
    public LoginDecision checkLogin(String account) {
        return gate.checkLogin(clientIp, account, listener);
    }

    /** The peer socket address: the proxy's when a PROXY header gave the real client IP. */
    public InetAddress peerIp() {
        return socket.getInetAddress();
    }

    /** A 12-character Crockford base32 id (60 random bits): session ids, queue ids. */
    public static String newId() {
        long r = RANDOM.nextLong();
        char[] c = new char[12];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[(int) (r & 31)];
            r >>>= 5;
        }
        return new String(c);
    }

    public Socket socket() {
        return socket;
    }

    public void upgraded(SSLSocket tls) {
        this.socket = tls;
    }

    /**
     * STARTTLS for every protocol (RFC 3207, RFC 3501 6.2.1): after the protocol's "go ahead" reply has been
     * flushed, runs the handshake (bounded by the socket's read timeout) and switches this connection to TLS.
     * {@code clearTextPipelined}: the client sent more after STARTTLS in clear text; the caller drops it (the
     * CVE-2011-0411 injection) and this reports it. Returns null after a failed handshake, also reported.
     */
    public SSLSocket startTls(TlsProvider tls, boolean clearTextPipelined, EventBus events) {
        if (clearTextPipelined) {
            events.emit(new Event.ProtocolError(origin, id, 0, "pipelined-after-starttls"));
        }
        try {
            SSLSocket ssl = ServerTls.upgrade(socket, tls);
            upgraded(ssl);
            return ssl;
        } catch (IOException e) {
            events.emit(new Event.TlsFailure(origin, id, String.valueOf(e.getMessage())));
            return null;
        }
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    public InetAddress clientIp() {
        return clientIp;
    }

    public ListenerConfig listener() {
        return listener;
    }

    public String id() {
        return id;
    }

    public Event.Origin origin() {
        return origin;
    }

    /**
     * The socket's output stream, watched: the listener closes a connection whose write has been blocked
     * longer than {@code limits.write-timeout} (a client that stopped reading). Ask again after STARTTLS.
     */
    public OutputStream output() throws IOException {
        OutputStream raw = socket.getOutputStream();
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                watched(() -> raw.write(b));
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                watched(() -> raw.write(b, off, len));
            }

            @Override
            public void flush() throws IOException {
                watched(raw::flush);
            }

            @Override
            public void close() throws IOException {
                raw.close();
            }
        };
    }

    private interface Write {
        void run() throws IOException;
    }

    /** Runs a write with its start time visible to the listener's watchdog. */
    private void watched(Write w) throws IOException {
        writeStarted = System.nanoTime();
        try {
            w.run();
        } finally {
            writeStarted = NOT_WRITING;
        }
    }

    /** How long the write in progress has been blocked at {@code now} (System.nanoTime()); 0 when none. */
    long writeBlockedNanos(long now) {
        long started = writeStarted;
        return started == NOT_WRITING ? 0 : now - started;
    }

    /** Closes the connection (with TLS, sending close_notify): for the connection's own thread, at its end. */
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort; the peer may already be gone
        }
    }

    /**
     * Closes the connection from another thread (a ban, the write watchdog, shutdown): closes the TCP socket
     * under TLS, because closing a TLS socket waits for a write in progress, which may never end. The
     * connection's thread then fails on its next (or current) read or write.
     */
    public void abort() {
        try {
            tcp.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
