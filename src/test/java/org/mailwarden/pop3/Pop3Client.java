package org.mailwarden.pop3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.mailwarden.support.ServerClose;
import org.mailwarden.support.TrustAll;

/** A raw POP3 client for conversations by hand: exact lines, pipelining, over-long lines, dropped connections. */
final class Pop3Client implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Pop3Client(int port, boolean implicitTls) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(20_000);
        if (implicitTls) {
            socket = tls(socket);
        }
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Over 995, greeting read, logged in with USER/PASS. */
    static Pop3Client loggedIn(int pop3sPort, String user, String password) throws IOException {
        Pop3Client c = new Pop3Client(pop3sPort, true);
        c.line();
        c.login(user, password);
        return c;
    }

    private static SSLSocket tls(Socket plain) throws IOException {
        try {
            SSLSocket s = (SSLSocket) TrustAll.context().getSocketFactory()
                    .createSocket(plain, "127.0.0.1", plain.getPort(), true);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** STLS, checked, then the handshake. */
    void stls() throws IOException {
        String r = cmd("STLS");
        if (!r.startsWith("+OK")) {
            throw new IOException("STLS refused: " + r);
        }
        socket = tls(socket);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void login(String user, String password) throws IOException {
        String u = cmd("USER " + user);
        String p = cmd("PASS " + password);
        if (!u.startsWith("+OK") || !p.startsWith("+OK")) {
            throw new IOException("login failed: " + u + " / " + p);
        }
    }

    /** One line without its CRLF; null at end of stream. */
    String line() throws IOException {
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

    Pop3Client send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** Sends a command and returns its status line. */
    String cmd(String command) throws IOException {
        send(command + "\r\n");
        return line();
    }

    /** Sends a command with a multi-line answer: the status line, then (after +OK) the lines before ".", as sent. */
    List<String> multi(String command) throws IOException {
        send(command + "\r\n");
        return multiLine();
    }

    /** Reads a status line and, after +OK, the body up to the "." line (not included); lines as sent. */
    List<String> multiLine() throws IOException {
        List<String> lines = new ArrayList<>();
        String status = line();
        lines.add(status);
        if (status == null || !status.startsWith("+OK")) {
            return lines;
        }
        String l;
        while ((l = line()) != null && !l.equals(".")) {
            lines.add(l);
        }
        return lines;
    }

    /** The raw bytes of a multi-line answer's body after its status line, up to and including CRLF.CRLF. */
    byte[] rawBody(String command) throws IOException {
        send(command + "\r\n");
        String status = line();
        if (status == null || !status.startsWith("+OK")) {
            throw new IOException(command + ": " + status);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long last = 0x0D0A; // the last bytes, as if the body followed a line end
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            last = (last << 8) | c;
            if ((last & 0xFFFFFFFFFFL) == 0x0D0A2E0D0AL) { // CRLF . CRLF
                return b.toByteArray();
            }
        }
        throw new IOException("end of stream in the body of " + command);
    }

    /** True when the server has closed the connection. */
    boolean closedByServer() throws IOException {
        return ServerClose.closedByServer(in);
    }

    /** Drops the connection without QUIT (RST-free close). */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
