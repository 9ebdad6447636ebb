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

    public Connection(Socket socket, InetAddress clientIp, ListenerConfig listener, String protocol) {
        this.socket = socket;
        this.clientIp = clientIp;
        this.listener = listener;
        this.id = newId();
        this.origin = new Event.Origin(protocol, listener.name(), clientIp.getHostAddress());
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
