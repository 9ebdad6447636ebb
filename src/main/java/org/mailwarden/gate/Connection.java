package org.mailwarden.gate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import javax.net.ssl.SSLSocket;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.events.Event;

/**
 * One accepted client connection as protocol code sees it: the socket (replaced after STARTTLS), the real
 * client IP (later from PROXY protocol when the peer is a trusted proxy) and a short session id for logs.
 */
public final class Connection {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private volatile Socket socket;
    private final InetAddress clientIp;
    private final ListenerConfig listener;
    private final String id;
    private final Event.Origin origin;
    private final ConnectionGate gate;

    public Connection(Socket socket, InetAddress clientIp, ListenerConfig listener, String protocol) {
        this(socket, clientIp, listener, protocol, ConnectionGate.OPEN);
    }

    /** {@code clientIp} is the real client (from the PROXY header when there was one), not necessarily the peer. */
    public Connection(Socket socket, InetAddress clientIp, ListenerConfig listener, String protocol,
            ConnectionGate gate) {
        this.socket = socket;
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

    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is best effort; the peer may already be gone
        }
    }
}
