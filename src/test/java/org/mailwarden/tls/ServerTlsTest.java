package org.mailwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.mailwarden.tls.TlsTestSupport.commonName;
import static org.mailwarden.tls.TlsTestSupport.connect;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerTlsTest {

    @TempDir
    Path dir;

    private PemTlsProvider tls;

    @BeforeEach
    void selfSigned() {
        tls = SelfSigned.loadOrCreate(dir, "mail.example.org", Duration.ZERO);
    }

    @Test
    void negotiatesTls13ByDefault() throws Exception {
        try (var server = TlsTestSupport.TestServer.implicitTls(tls)) {
            TlsTestSupport.Peer peer = connect(server.port());

            assertThat(peer.protocol()).isEqualTo("TLSv1.3");
            assertThat(peer.cipherSuite()).matches("TLS_(AES|CHACHA20)_.*");
            assertThat(peer.certificate()).isEqualTo(tls.leafCertificate());
            assertThat(peer.greeting()).isEqualTo("ok");
        }
    }

    @Test
    void aTls12OnlyClientGetsAnEcdheAeadSuite() throws Exception {
        try (var server = TlsTestSupport.TestServer.implicitTls(tls)) {
            TlsTestSupport.Peer peer = connect(server.port(), "TLSv1.2");

            assertThat(peer.protocol()).isEqualTo("TLSv1.2");
            assertThat(peer.cipherSuite()).startsWith("TLS_ECDHE_ECDSA_WITH_").containsAnyOf("_GCM_", "_CHACHA20_POLY1305_");
            assertThat(peer.greeting()).isEqualTo("ok");
        }
    }

    /**
     * The JDK's own client will not offer TLS 1.1 any more (jdk.tls.disabledAlgorithms), so a JSSE client
     * failing would prove nothing about the server. Send a real TLS 1.1 ClientHello by hand instead.
     */
    @Test
    void aTls11OnlyClientIsRefused() throws Exception {
        try (var server = TlsTestSupport.TestServer.implicitTls(tls);
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            client.setSoTimeout(TlsTestSupport.TIMEOUT_MILLIS);
            client.getOutputStream().write(tls11ClientHello());
            client.getOutputStream().flush();

            byte[] reply = client.getInputStream().readNBytes(7);

            // A fatal alert record: type 21, level 2 (fatal), description 70 (protocol_version).
            assertThat(reply).hasSize(7);
            assertThat(reply[0]).isEqualTo((byte) 21);
            assertThat(reply[5]).isEqualTo((byte) 2);
            assertThat(reply[6]).isEqualTo((byte) 70);
            assertThat(server.nextFailure()).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("TLSv1.1");
        }
    }

    @Test
    void startTlsUpgradesAPlainConversation() throws Exception {
        try (var server = new TlsTestSupport.TestServer(accepted -> {
                    var in = new BufferedReader(new InputStreamReader(accepted.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = accepted.getOutputStream();
                    out.write("220 ready\r\n".getBytes(StandardCharsets.US_ASCII));
                    if (!"STARTTLS".equals(in.readLine())) {
                        throw new IOException("expected STARTTLS");
                    }
                    out.write("220 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    try (SSLSocket secure = ServerTls.upgrade(accepted, tls)) {
                        secure.getOutputStream().write("ok\r\n".getBytes(StandardCharsets.US_ASCII));
                        secure.getOutputStream().flush();
                    }
                });
                Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            plain.setSoTimeout(TlsTestSupport.TIMEOUT_MILLIS);
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 ready");
            plain.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(plain.getInputStream())).isEqualTo("220 go ahead");

            try (SSLSocket secure = (SSLSocket) TlsTestSupport.trustAllContext().getSocketFactory()
                    .createSocket(plain, "localhost", server.port(), true)) {
                secure.startHandshake();
                TlsTestSupport.Peer peer = TlsTestSupport.peer(secure);

                assertThat(peer.protocol()).isEqualTo("TLSv1.3");
                assertThat(peer.greeting()).isEqualTo("ok");
            }
        }
    }

    @Test
    void aFailedHandshakeClosesTheConnection() throws Exception {
        try (var server = TlsTestSupport.TestServer.implicitTls(tls);
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            client.setSoTimeout(TlsTestSupport.TIMEOUT_MILLIS);
            client.getOutputStream().write("EHLO client.example\r\n".getBytes(StandardCharsets.US_ASCII));

            assertThat(server.nextFailure()).isInstanceOf(IOException.class);
            // Whatever the server answered, it then hangs up.
            client.getInputStream().readAllBytes();
        }
    }

    @Test
    void cipherSuitesAreLimitedToModernAeadOnes() {
        assertThat(ServerTls.cipherSuites(new String[] {
                "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"}))
                .containsExactly("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    }

    @Test
    void providersCanNarrowButNotWidenTheProtocols() {
        String[] supported = {"TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"};
        TlsProvider only13 = new TlsProvider() {
            @Override
            public javax.net.ssl.SSLContext context() {
                return tls.context();
            }

            @Override
            public String[] protocols() {
                return new String[] {"TLSv1.3", "TLSv1.1"};
            }
        };

        assertThat(ServerTls.protocols(tls, supported)).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(ServerTls.protocols(only13, supported)).containsExactly("TLSv1.3");
        assertThatThrownBy(() -> ServerTls.protocols(only13, new String[] {"TLSv1.2"}))
                .isInstanceOf(IllegalStateException.class);
    }

    /** OpenSSL-based clients (Python, swaks via Net::SSLeay, Postfix) must accept the self-signed setup. */
    @ParameterizedTest
    @CsvSource({"'', TLSv1.3", "TLSv1_2, TLSv1.2"})
    void pythonSslHandshakes(String maximumVersion, String expected) throws Exception {
        String script = """
                import socket, ssl, sys
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                if sys.argv[2]:
                    context.maximum_version = getattr(ssl.TLSVersion, sys.argv[2])
                with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as raw:
                    with context.wrap_socket(raw, server_hostname="mail.example.org") as tls:
                        print(tls.version())
                """;
        try (var server = TlsTestSupport.TestServer.implicitTls(tls)) {
            List<String> output = run("python3", "-c", script, String.valueOf(server.port()), maximumVersion);

            assertThat(output).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void opensslClientHandshakes(String version) throws Exception {
        try (var server = TlsTestSupport.TestServer.implicitTls(tls)) {
            List<String> output = run("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(), version,
                    "-brief", "-servername", "mail.example.org");

            assertThat(output).contains("Protocol version: " + (version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2"));
        }
    }

    /** Keys and certificates exactly as the openssl command line writes them, in each key format. */
    @ParameterizedTest
    @ValueSource(strings = {"ec-traditional", "rsa-traditional", "rsa-pkcs8"})
    void loadsFilesWrittenByOpenssl(String format) throws Exception {
        Path key = dir.resolve(format + ".key");
        Path cert = dir.resolve(format + ".crt");
        switch (format) {
            case "ec-traditional" -> run("openssl", "ecparam", "-genkey", "-name", "prime256v1", "-out", key.toString());
            case "rsa-traditional" -> run("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048");
            default -> run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        }
        run("openssl", "req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=" + format + ".example",
                "-days", "2", "-out", cert.toString());

        PemTlsProvider provider = new PemTlsProvider(cert, key, Duration.ZERO);

        try (var server = TlsTestSupport.TestServer.implicitTls(provider)) {
            assertThat(commonName(connect(server.port()).certificate())).isEqualTo("CN=" + format + ".example");
        }
    }

    /** Runs a command, skipping the test if it is not installed; returns its output lines. */
    private static List<String> run(String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            assumeTrue(false, command[0] + " is not installed");
            throw e;
        }
        // Read on a virtual thread so a hung tool is caught by the waitFor timeout below.
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                process.getInputStream().transferTo(output);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        boolean finished = process.waitFor(30, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        reader.join(Duration.ofSeconds(5));
        String text = output.toString(StandardCharsets.UTF_8);
        assertThat(finished).as("%s finished; output: %s", command[0], text).isTrue();
        assertThat(process.exitValue()).as("%s exit status; output: %s", command[0], text).isZero();
        return text.lines().map(String::strip).toList();
    }

    private static String readLine(InputStream in) throws IOException {
        // Byte by byte: nothing past the line may be buffered away from the TLS layer that follows.
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** A ClientHello that offers only TLS 1.1 (no supported_versions extension), with CBC suites. */
    private static byte[] tls11ClientHello() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {3, 2}); // client_version TLS 1.1
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0); // no session id
        body.writeBytes(new byte[] {0, 6, (byte) 0xc0, 0x09, (byte) 0xc0, 0x13, 0x00, 0x2f});
        body.writeBytes(new byte[] {1, 0}); // null compression
        byte[] extensions = {
            0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, // supported_groups: secp256r1
            0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 // ec_point_formats: uncompressed
        };
        body.writeBytes(new byte[] {0, (byte) extensions.length});
        body.writeBytes(extensions);

        byte[] bodyBytes = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        int handshakeLength = 4 + bodyBytes.length;
        record.writeBytes(new byte[] {22, 3, 1, (byte) (handshakeLength >> 8), (byte) handshakeLength});
        record.writeBytes(new byte[] {1, 0, (byte) (bodyBytes.length >> 8), (byte) bodyBytes.length});
        record.writeBytes(bodyBytes);
        return record.toByteArray();
    }
}
