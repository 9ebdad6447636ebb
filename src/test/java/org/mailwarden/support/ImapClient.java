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
import javax.net.ssl.SSLSocket;

/**
 * A raw IMAP client for what libraries will not send: literals by hand, malformed commands, over-long lines.
 * Literals in responses are read whole and kept inline in the returned lines (with their {n} announcement).
 */
public final class ImapClient implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int tagCounter;

    public ImapClient(int port, boolean implicitTls) throws IOException {
        this(port, implicitTls, new byte[0]);
    }

    /** Sends {@code preamble} (a PROXY protocol header) before anything else, as a proxy in front would. */
    public ImapClient(int port, boolean implicitTls, byte[] preamble) throws IOException {
        this(port, implicitTls, preamble, 0);
    }

    /** {@code receiveBuffer} > 0 sets the socket's receive buffer (a client that reads slowly, or not at all). */
    public ImapClient(int port, boolean implicitTls, byte[] preamble, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(preamble);
        if (implicitTls) {
            socket = tls(socket);
        }
        in = socket.getInputStream();
        out = socket.getOutputStream();
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

    /** STARTTLS: sends the command, checks OK, and upgrades. */
    public void startTls() throws IOException {
        List<String> r = command("STARTTLS");
        if (!r.getLast().contains("OK")) {
            throw new IOException("STARTTLS refused: " + r);
        }
        upgradeAfterStartTls();
    }

    /** The TLS handshake after the server's OK to STARTTLS. */
    public void upgradeAfterStartTls() throws IOException {
        socket = tls(socket);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Reads one line (CRLF stripped), with any literal it announces appended (after a CRLF); null at EOF. */
    public String line() throws IOException {
        String s = rawLine();
        if (s == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{(\\d+)\\}$").matcher(s);
        if (m.find()) {
            byte[] lit = in.readNBytes(Integer.parseInt(m.group(1)));
            String rest = line();
            return s + "\r\n" + new String(lit, StandardCharsets.UTF_8) + (rest == null ? "" : rest);
        }
        return s;
    }

    /** Reads one line (CRLF stripped) and not the literal it may announce; null at EOF. */
    public String rawLine() throws IOException {
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

    public ImapClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    public String nextTag() {
        return "a" + (++tagCounter);
    }

    /** Sends "tag command" and returns all lines up to and including the tagged response. */
    public List<String> command(String command) throws IOException {
        String tag = nextTag();
        send(tag + " " + command + "\r\n");
        return until(tag);
    }

    /** Lines up to and including the one tagged {@code tag}. */
    public List<String> until(String tag) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            if (l == null) {
                lines.add("<EOF>");
                return lines;
            }
            lines.add(l);
            if (l.startsWith(tag + " ")) {
                return lines;
            }
        }
    }

    /** Connects with implicit TLS, reads the greeting and logs in. */
    public static ImapClient loggedIn(int port, String user, String password) throws IOException {
        ImapClient c = new ImapClient(port, true);
        c.line();
        return c.login(user, password);
    }

    /** The number that {@code regex}'s first group finds in the first of these lines that has it. */
    public static long number(List<String> lines, String regex) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        for (String l : lines) {
            java.util.regex.Matcher m = p.matcher(l);
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError(regex + " not in " + lines);
    }

    /** A command's untagged responses, after checking that its tagged response is OK. */
    public static List<String> untagged(List<String> response) {
        if (!response.getLast().matches("\\S+ OK .*")) {
            throw new AssertionError("not OK: " + response);
        }
        return response.subList(0, response.size() - 1);
    }

    /** Logs in over TLS (implicit or STARTTLS done) and checks OK. */
    public ImapClient login(String user, String password) throws IOException {
        List<String> r = command("LOGIN " + user + " " + password);
        if (!r.getLast().contains(" OK ")) {
            throw new IOException("login failed: " + r);
        }
        return this;
    }

    public boolean closedByServer() throws IOException {
        return ServerClose.closedByServer(in);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
