package org.mailwarden.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw SMTP client for conversations real client libraries will not have: pipelining bursts, bare LF,
 * NUL bytes, over-long lines, BDAT. Reads replies line by line, with a read timeout so a hang fails the test.
 */
public final class SmtpClient implements AutoCloseable {

    public final Socket socket;
    private InputStream in;
    private OutputStream out;

    public SmtpClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Reads one complete (possibly multi-line) reply; returns its lines, or an empty list at end of stream. */
    public List<String> reply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            if (l == null) {
                return lines;
            }
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') {
                return lines;
            }
        }
    }

    /** The last line of the next reply ("" at end of stream). */
    public String read() throws IOException {
        List<String> r = reply();
        return r.isEmpty() ? "" : r.getLast();
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.UTF_8);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    public SmtpClient send(String text) throws IOException {
        return sendRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    public SmtpClient sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends one command line (CRLF added) and returns the last line of its reply. */
    public String cmd(String line) throws IOException {
        send(line + "\r\n");
        return read();
    }

    /** Sends STARTTLS and, after its 220, runs a TLS handshake (trusting any certificate) on this connection. */
    public SmtpClient startTls() throws Exception {
        String r = cmd("STARTTLS");
        if (!r.startsWith("220")) {
            throw new IOException("STARTTLS refused: " + r);
        }
        javax.net.ssl.SSLContext ctx = TrustAll.context();
        javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
                .createSocket(socket, "127.0.0.1", socket.getPort(), true);
        ssl.startHandshake();
        in = ssl.getInputStream();
        out = ssl.getOutputStream();
        return this;
    }

    /** AUTH PLAIN with an initial response; returns the reply's last line. */
    public String authPlain(String user, String password) throws IOException {
        String token = java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password)
                .getBytes(StandardCharsets.UTF_8));
        return cmd("AUTH PLAIN " + token);
    }

    /** True when the server has closed the connection (reads end of stream). */
    public boolean closedByServer() throws IOException {
        return ServerClose.closedByServer(in);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
