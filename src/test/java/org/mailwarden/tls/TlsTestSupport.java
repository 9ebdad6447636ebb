package org.mailwarden.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A loopback TLS server on virtual threads and a trust-all client, for handshake tests. */
final class TlsTestSupport {

    static final int TIMEOUT_MILLIS = 10_000;

    private TlsTestSupport() {}

    interface Handler {
        void handle(Socket accepted) throws IOException;
    }

    /** Accepts on an ephemeral loopback port; each connection is handled on its own virtual thread. */
    static final class TestServer implements AutoCloseable {
        final ServerSocket listener;
        /** Whatever a handler threw, so tests can assert on the server side of a failed handshake. */
        final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        private final Handler handler;

        TestServer(Handler handler) throws IOException {
            this.handler = handler;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().name("test-accept").start(this::acceptLoop);
        }

        /** Implicit TLS: handshake, greet with "ok", close. */
        static TestServer implicitTls(TlsProvider tls) throws IOException {
            return new TestServer(accepted -> {
                try (SSLSocket secure = ServerTls.wrapAccepted(accepted, tls)) {
                    OutputStream out = secure.getOutputStream();
                    out.write("ok\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        Throwable nextFailure() throws InterruptedException {
            return failures.poll(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                try {
                    Socket accepted = listener.accept();
                    Thread.ofVirtual().start(() -> serve(accepted));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void serve(Socket accepted) {
            try (accepted) {
                accepted.setSoTimeout(TIMEOUT_MILLIS);
                handler.handle(accepted);
            } catch (IOException | RuntimeException e) {
                failures.add(e);
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /** What a client saw of the server. */
    record Peer(String protocol, String cipherSuite, X509Certificate certificate, String greeting) {}

    /** A trust-all client socket, connected but not yet handshaken. */
    static SSLSocket openClient(int port) throws IOException {
        SSLSocket socket = (SSLSocket) trustAllContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    /** Connects, handshakes (optionally limited to {@code protocols}) and reads the greeting line. */
    static Peer connect(int port, String... protocols) throws IOException {
        try (SSLSocket socket = openClient(port)) {
            if (protocols.length > 0) {
                socket.setEnabledProtocols(protocols);
            }
            socket.startHandshake();
            return peer(socket);
        }
    }

    static Peer peer(SSLSocket socket) throws IOException {
        X509Certificate certificate = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        String greeting = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        return new Peer(socket.getSession().getProtocol(), socket.getSession().getCipherSuite(), certificate, greeting);
    }

    /** Mail servers mostly do not verify each other; these tests check the server, not the trust chain. */
    static SSLContext trustAllContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String commonName(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }

    /**
     * Puts another directory's pair in place, the way a renewal does, and moves the modification times
     * forward so the change is visible even on file systems with coarse timestamps.
     */
    static void replace(Path sourceDir, Path targetDir, String... fileNames) throws IOException {
        for (String name : fileNames) {
            Path target = targetDir.resolve(name);
            Files.copy(sourceDir.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
            bumpModified(target);
        }
    }

    static void bumpModified(Path file) throws IOException {
        FileTime later = FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + Duration.ofMinutes(1).toMillis());
        Files.setLastModifiedTime(file, later);
    }
}
