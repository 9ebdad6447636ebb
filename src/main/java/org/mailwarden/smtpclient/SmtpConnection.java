package org.mailwarden.smtpclient;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One client connection to a remote SMTP server (RFC 5321): greeting, EHLO, STARTTLS, AUTH PLAIN/LOGIN, one
 * or more transactions, QUIT. Blocking I/O on the caller's (virtual) thread.
 */
public final class SmtpConnection implements Closeable {

    /** A reply: the code, and the text of every line (without the code). */
    public record Reply(int code, List<String> lines) {
        public boolean ok() {
            return code >= 200 && code < 400;
        }

        public boolean temporary() {
            return code >= 400 && code < 500;
        }

        public boolean permanent() {
            return code >= 500;
        }

        /** The reply as one line, for logs and bounces: "550 5.1.1 no such user". */
        public String text() {
            return code + " " + String.join(" ", lines).strip();
        }
    }

    /** How TLS is used. */
    public enum Tls { NONE, OPPORTUNISTIC, REQUIRED_STARTTLS, IMPLICIT }

    private static final int MAX_LINE = 4096;

    private final String peerName;
    private final boolean verify;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private Map<String, String> extensions = Map.of();
    private boolean tls;

    private SmtpConnection(String peerName, boolean verify) {
        this.peerName = peerName;
        this.verify = verify;
    }

    /**
     * Connects and reads the greeting; with {@link Tls#IMPLICIT} the TLS handshake comes first. Verification
     * (for relay hosts) checks the certificate chain and that it names {@code peerName}.
     */
    public static SmtpConnection open(InetSocketAddress address, String peerName, boolean implicitTls, boolean verify,
            Duration connectTimeout, Duration timeout) throws IOException {
        SmtpConnection c = new SmtpConnection(peerName, verify);
        Socket s = new Socket();
        try {
            s.connect(address, (int) connectTimeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.setTcpNoDelay(true);
            c.attach(s);
            if (implicitTls) {
                c.handshake();
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return c;
    }

    private void attach(Socket s) throws IOException {
        this.socket = s;
        this.in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        this.out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    }

    public boolean isTls() {
        return tls;
    }

    public String peerName() {
        return peerName;
    }

    public Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line.length() < 3) {
                throw new IOException("malformed reply line from " + peerName + ": " + line);
            }
            int c;
            try {
                c = Integer.parseInt(line.substring(0, 3));
            } catch (NumberFormatException e) {
                throw new IOException("malformed reply line from " + peerName + ": " + line);
            }
            if (code >= 0 && c != code) {
                throw new IOException("inconsistent multiline reply from " + peerName);
            }
            code = c;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, List.copyOf(lines));
            }
            if (lines.size() > 1000) {
                throw new IOException("too many reply lines from " + peerName);
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        while (true) {
            int c;
            try {
                c = in.read();
            } catch (SocketTimeoutException e) {
                throw new IOException("timeout waiting for " + peerName, e);
            }
            if (c < 0) {
                throw new IOException("connection closed by " + peerName);
            }
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (b.size() >= MAX_LINE) {
                throw new IOException("reply line too long from " + peerName);
            }
            b.write(c);
        }
    }

    public Reply command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return readReply();
    }

    /** EHLO (HELO if EHLO is refused); remembers the extensions. */
    public Reply hello(String name) throws IOException {
        Reply r = command("EHLO " + name);
        if (r.permanent()) {
            extensions = Map.of();
            return command("HELO " + name);
        }
        Map<String, String> ext = new LinkedHashMap<>();
        if (r.ok()) {
            for (int i = 1; i < r.lines().size(); i++) {
                String l = r.lines().get(i).strip();
                int sp = l.indexOf(' ');
                ext.put((sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT), sp < 0 ? "" : l.substring(sp + 1));
            }
        }
        extensions = ext;
        return r;
    }

    public boolean supports(String extension) {
        return extensions.containsKey(extension.toUpperCase(Locale.ROOT));
    }

    public String extensionParams(String extension) {
        return extensions.getOrDefault(extension.toUpperCase(Locale.ROOT), "");
    }

    /** STARTTLS and the handshake; the caller sends EHLO again afterwards. */
    public Reply startTls() throws IOException {
        Reply r = command("STARTTLS");
        if (r.code() == 220) {
            handshake();
        }
        return r;
    }

    private void handshake() throws IOException {
        SSLContext ctx;
        try {
            if (verify) {
                ctx = SSLContext.getDefault();
            } else {
                ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS unavailable: " + e, e);
        }
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(socket, peerName, socket.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (verify) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (peerName != null && !peerName.isEmpty() && Character.isLetter(peerName.charAt(peerName.length() - 1))) {
            p.setServerNames(List.of(new SNIHostName(peerName)));
        }
        s.setSSLParameters(p);
        s.setUseClientMode(true);
        s.startHandshake();
        attach(s);
        tls = true;
        extensions = Map.of();
    }

    /** AUTH PLAIN when offered, else LOGIN. */
    public Reply authenticate(String user, String password) throws IOException {
        String mechs = " " + extensionParams("AUTH").toUpperCase(Locale.ROOT) + " ";
        Base64.Encoder b64 = Base64.getEncoder();
        if (mechs.contains(" PLAIN ") || !mechs.contains(" LOGIN ")) {
            String token = "\0" + user + "\0" + password;
            return command("AUTH PLAIN " + b64.encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        Reply r = command("AUTH LOGIN");
        if (r.code() != 334) {
            return r;
        }
        r = command(b64.encodeToString(user.getBytes(StandardCharsets.UTF_8)));
        if (r.code() != 334) {
            return r;
        }
        return command(b64.encodeToString(password.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Sends the message after a 354 (network form, CRLF), dot-stuffed, then the final dot; returns the reply
     * to the end of data.
     */
    public Reply sendData(InputStream message) throws IOException {
        byte[] buf = new byte[64 * 1024];
        boolean lineStart = true;
        int last = -1;
        int n;
        while ((n = message.read(buf)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (lineStart && b == '.') {
                    out.write(buf, from, i - from);
                    out.write('.');
                    from = i;
                }
                lineStart = b == '\n';
                last = b & 0xff;
            }
            out.write(buf, from, n - from);
        }
        if (last != '\n' && last != -1) {
            out.write('\r');
            out.write('\n');
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readReply();
    }

    /** QUIT, ignoring a peer that has already gone. */
    public void quit() {
        try {
            command("QUIT");
        } catch (IOException ignored) {
            // the transaction is over either way
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Opportunistic TLS to MX hosts (RFC 7435): encryption without authentication is better than none. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
