package org.mailwarden.tls;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Turns a plain TCP connection into a server-side TLS connection with one policy for every listener:
 * TLS 1.3 and 1.2 only, AEAD cipher suites with forward secrecy only.
 *
 * <p>Both methods perform the handshake before returning, so a caller either gets a working TLS socket
 * or an exception (and the connection is already closed). Call them on the connection's own virtual
 * thread, never on the accept loop, and set the read timeout on the plain socket first: it bounds the
 * handshake, so a client that stalls mid-handshake cannot hold the connection open.
 */
public final class ServerTls {

    /** The floor, whatever a {@link TlsProvider} asks for: older versions have known weaknesses. */
    private static final Set<String> PERMITTED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

    private ServerTls() {}

    /**
     * STARTTLS: upgrades a connection after the server has sent its "ready to start TLS" reply.
     *
     * <p>The caller must discard any input it has already read past the STARTTLS command line: a client
     * may not pipeline after STARTTLS, and plaintext buffered before the handshake must not be treated as
     * if it had arrived encrypted (the STARTTLS command-injection flaw, CVE-2011-0411). That is also why
     * this does not use the {@code createSocket(Socket, InputStream, boolean)} variant that replays
     * consumed bytes into the TLS layer.
     *
     * @throws IOException if the handshake fails; the connection has been closed
     */
    public static SSLSocket upgrade(Socket plain, TlsProvider tls) throws IOException {
        return handshake(layer(plain, tls));
    }

    /**
     * Implicit TLS (SMTPS 465, IMAPS 993, ...): wraps a freshly accepted connection. Plain accepted
     * sockets are wrapped, rather than using an {@code SSLServerSocket}, so the handshake runs on the
     * connection's thread, and a listener picks up a reloaded certificate on its next connection.
     *
     * @throws IOException if the handshake fails; the connection has been closed
     */
    public static SSLSocket wrapAccepted(Socket accepted, TlsProvider tls) throws IOException {
        return handshake(layer(accepted, tls));
    }

    private static SSLSocket layer(Socket plain, TlsProvider tls) throws IOException {
        // Asked for per connection, so a renewed certificate is served from the next connection on.
        SSLContext context = tls.context();
        // The peer address only keys the session cache; autoClose: closing TLS closes the TCP connection.
        SSLSocket socket = (SSLSocket) context.getSocketFactory()
                .createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        socket.setUseClientMode(false);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(protocols(tls, socket.getSupportedProtocols()));
        parameters.setCipherSuites(cipherSuites(socket.getEnabledCipherSuites()));
        // Our order (the JVM's, strongest first), not the client's, picks the suite.
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        socket.setSSLParameters(parameters);
        return socket;
    }

    private static SSLSocket handshake(SSLSocket socket) throws IOException {
        try {
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The provider's protocols that are also permitted and supported, in the provider's order. */
    static String[] protocols(TlsProvider tls, String[] supported) {
        List<String> supportedList = Arrays.asList(supported);
        String[] result = Arrays.stream(tls.protocols())
                .filter(PERMITTED_PROTOCOLS::contains)
                .filter(supportedList::contains)
                .toArray(String[]::new);
        if (result.length == 0) {
            throw new IllegalStateException("no usable TLS protocol among " + Arrays.toString(tls.protocols())
                    + " (only TLSv1.3 and TLSv1.2 are allowed)");
        }
        return result;
    }

    /**
     * The modern subset of the suites the JVM enables by default (which already honours the operator's
     * {@code jdk.tls.disabledAlgorithms}), in the JVM's preference order.
     */
    static String[] cipherSuites(String[] enabledByJvm) {
        String[] result = Arrays.stream(enabledByJvm).filter(ServerTls::isModernSuite).toArray(String[]::new);
        if (result.length == 0) {
            throw new IllegalStateException("the JVM enables none of the modern TLS cipher suites");
        }
        return result;
    }

    /**
     * TLS 1.3 suites (all AEAD), and TLS 1.2 suites with ephemeral ECDH (forward secrecy) and an AEAD
     * cipher. CBC suites (padding-oracle history) and static-RSA key exchange are left out.
     */
    static boolean isModernSuite(String suite) {
        if (suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")) {
            return true;
        }
        return suite.startsWith("TLS_ECDHE_")
                && (suite.contains("_GCM_") || suite.contains("_CHACHA20_POLY1305_"));
    }
}
