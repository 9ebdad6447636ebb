package org.mailwarden.gate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.tls.ServerTls;
import org.mailwarden.tls.TlsProvider;

/**
 * One accepted client connection as protocol code sees it: the socket (replaced after STARTTLS), the real
 * client IP (later from PROXY protocol when the peer is a trusted proxy) and a short session id for logs.
 *
 * <p>Stage deadlines: a session sets a {@link Deadline} for what it waits for (a command line, the message data, the
 * login) and reads through {@link #input()}, whose reads end with a {@link StageTimeout} when it is up, however
 * slowly the bytes trickle in (a read timeout alone restarts with every byte); the session answers with its
 * protocol's error. The listener's watchdog closes a connection whose deadline passed while the session was not
 * reading, and bounds the TLS handshakes (implicit and STARTTLS), which read beneath the protocol. So every
 * listener has the same deadlines, and a new protocol gets them by reading through {@link #input()}.
 */
public final class Connection {

    /** The stage of a TLS handshake, as the timeout event names it. */
    public static final String TLS_HANDSHAKE = "tls-handshake";

    /**
     * When a stage must be over: {@code at} in System.nanoTime(). {@code answered}: the session replies to its
     * expiry with the protocol's error, so the watchdog gives it {@link Listener#DEADLINE_GRACE} first.
     */
    public record Deadline(String stage, long at, boolean answered) {
        /** A stage the session answers, due {@code within} from now. */
        public static Deadline in(String stage, Duration within) {
            return new Deadline(stage, System.nanoTime() + within.toNanos(), true);
        }

        /** This deadline or {@code other} (null: none), whichever comes first. */
        public Deadline earliest(Deadline other) {
            return other == null || at - other.at <= 0 ? this : other;
        }
    }

    /** A read that ran past its stage's deadline, or past the socket's read timeout while a stage was running. */
    public static final class StageTimeout extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;
        private final String stage;

        StageTimeout(String stage) {
            super(stage + " timeout");
            this.stage = stage;
        }

        public String stage() {
            return stage;
        }
    }

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
    private final Duration tlsHandshakeTimeout;
    /** The running stage's deadline; null between stages. Cleared by whoever answers its expiry, once. */
    private final AtomicReference<Deadline> deadline = new AtomicReference<>();
    /** The watchdog closed this connection at a deadline (the session's failure that follows is no news). */
    private volatile boolean closedAtDeadline;
    /** The connection's own (virtual) thread, which runs its session. */
    private final Thread owner = Thread.currentThread();
    /** {@link #abort()} on the connection's own thread: close once the reply in progress is out. */
    private volatile boolean closeAfterReply;

    /**
     * {@code clientIp} is the real client (from the PROXY header when there was one), not necessarily the peer;
     * {@code tlsHandshakeTimeout} bounds each TLS handshake in total.
     */
    public Connection(Socket socket, InetAddress clientIp, ListenerConfig listener, String protocol,
            ConnectionGate gate, Duration tlsHandshakeTimeout) {
        this.socket = socket;
        this.tcp = socket;
        this.clientIp = clientIp;
        this.listener = listener;
        this.id = newId();
        this.origin = new Event.Origin(protocol, listener.name(), clientIp.getHostAddress());
        this.gate = gate;
        this.tlsHandshakeTimeout = tlsHandshakeTimeout;
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
     * flushed, runs the handshake (see {@link #handshake}) and switches this connection to TLS; read through a new
     * {@link #input()} from then on. {@code clearTextPipelined}: the client sent more after STARTTLS in clear text;
     * the caller drops it (the CVE-2011-0411 injection) and this reports it. Returns null after a failed handshake.
     */
    public SSLSocket startTls(TlsProvider tls, boolean clearTextPipelined, EventBus events) {
        if (clearTextPipelined) {
            events.emit(new Event.ProtocolError(origin, id, 0, "pipelined-after-starttls"));
        }
        return handshake(() -> ServerTls.upgrade(socket, tls), events);
    }

    /** Implicit TLS: the handshake on a freshly accepted connection, before the protocol's first byte. */
    SSLSocket acceptTls(TlsProvider tls, EventBus events) {
        return handshake(() -> ServerTls.wrapAccepted(socket, tls), events);
    }

    private interface Handshake {
        SSLSocket run() throws IOException;
    }

    /**
     * Runs a TLS handshake within the TLS handshake timeout in total (the watchdog closes the connection when it
     * is up; no read may pause that long either). Null when it failed, reported as a typed event: a timeout
     * ({@code stage=tls-handshake}), else a TLS failure (a scanner, plain text on a TLS port, an old protocol).
     */
    private SSLSocket handshake(Handshake h, EventBus events) {
        Deadline d = new Deadline(TLS_HANDSHAKE, System.nanoTime() + tlsHandshakeTimeout.toNanos(), false);
        Deadline running = deadline.getAndSet(d); // IMAP's login deadline goes on after STARTTLS
        try {
            socket.setSoTimeout(millis(tlsHandshakeTimeout));
            SSLSocket ssl = h.run();
            upgraded(ssl);
            return ssl;
        } catch (SocketTimeoutException e) {
            if (deadline.compareAndSet(d, running)) {
                events.emit(new Event.Timeout(origin, id, TLS_HANDSHAKE));
            }
            return null;
        } catch (IOException e) {
            if (!closedAtDeadline) {
                events.emit(new Event.TlsFailure(origin, id, String.valueOf(e.getMessage())));
            }
            return null;
        } finally {
            deadline.compareAndSet(d, running);
        }
    }

    private static int millis(Duration d) {
        return (int) Math.clamp(d.toMillis(), 1, Integer.MAX_VALUE);
    }

    /** Starts a stage: reads through {@link #input()} must be done by {@code d}. Replaces the running stage. */
    public void deadline(Deadline d) {
        deadline.set(d);
    }

    /** Ends the running stage (what follows, the session's own work, is not bounded by it). */
    public void noDeadline() {
        deadline.set(null);
    }

    /**
     * For the watchdog: the deadline when it has passed ({@code grace} later for one the session answers) and
     * nobody has answered it yet; it is then the watchdog's to answer, by closing the connection. Else null.
     */
    Deadline overdue(long now, long graceNanos) {
        Deadline d = deadline.get();
        if (d == null || now - d.at() <= (d.answered() ? graceNanos : 0) || !deadline.compareAndSet(d, null)) {
            return null;
        }
        closedAtDeadline = true;
        return d;
    }

    /**
     * The socket's input stream under the running stage's deadline: a read ends with {@link StageTimeout} when the
     * deadline is up, or when the socket's read timeout runs out while a stage is running (the pause was too long
     * for the stage). Without a stage, reads are the socket's own. Ask again after STARTTLS.
     */
    public InputStream input() throws IOException {
        Socket s = socket;
        InputStream raw = s.getInputStream();
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return staged(s, () -> raw.read(b, off, len));
            }

            @Override
            public int available() throws IOException {
                return raw.available();
            }

            @Override
            public void close() throws IOException {
                raw.close();
            }
        };
    }

    private interface Read {
        int run() throws IOException;
    }

    /** Runs a read with the socket's read timeout shortened to what is left of the stage, if that is less. */
    private int staged(Socket s, Read r) throws IOException {
        if (closeAfterReply) {
            closeTcp();
            throw new SocketException("connection closed by the gate (ban)");
        }
        Deadline d = deadline.get();
        if (d == null) {
            return r.run();
        }
        long left = d.at() - System.nanoTime();
        if (left <= 0) {
            throw expired(d);
        }
        int before = s.getSoTimeout();
        int ms = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left) + 1);
        boolean shortened = before == 0 || ms < before;
        if (shortened) {
            s.setSoTimeout(ms);
        }
        try {
            return r.run();
        } catch (SocketTimeoutException e) {
            throw expired(d);
        } finally {
            if (shortened) {
                restoreTimeout(s, before);
            }
        }
    }

    private static void restoreTimeout(Socket s, int before) {
        try {
            s.setSoTimeout(before);
        } catch (SocketException e) {
            // closed meanwhile: the read's own outcome is what counts
        }
    }

    /** The session answers this expiry: the watchdog will leave the connection to it. */
    private StageTimeout expired(Deadline d) {
        deadline.compareAndSet(d, null);
        return new StageTimeout(d.stage());
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
                closeIfAborted();
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
     *
     * <p>Called on the connection's own thread (its session emitted the event that banned it), the close waits
     * for the reply the session is writing for that event: it happens at the next flush of {@link #output()}, or
     * at the next read of {@link #input()} (sessions flush before they wait), and {@link #closing()} tells the
     * session to stop taking commands.
     */
    public void abort() {
        if (Thread.currentThread() == owner) {
            closeAfterReply = true;
            return;
        }
        closeTcp();
    }

    /** True once the connection is to close after the reply in progress: stop taking commands. */
    public boolean closing() {
        return closeAfterReply;
    }

    private void closeTcp() {
        try {
            tcp.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** The deferred close of {@link #abort()}: the reply has been handed to the socket. */
    private void closeIfAborted() {
        if (closeAfterReply) {
            closeTcp();
        }
    }
}
