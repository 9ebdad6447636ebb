package org.mailwarden.queue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A scripted SMTP receiver on 127.0.0.1 for cases a real server will not produce on demand: temporary
 * failures, chosen EHLO extensions, and holding the reply to a message's final dot (to kill the sender
 * mid-transaction). Lines are read as ISO-8859-1, so one char is one octet of what the client sent.
 */
final class ScriptedReceiver implements AutoCloseable {

    /** A message this receiver answered 250 to: {@code from} is all after "MAIL FROM:", parameters too. */
    record Accepted(String from, List<String> rcpts, String data) {}

    final List<Accepted> accepted = new CopyOnWriteArrayList<>();
    /** Every command line received, on every connection (not the message data). */
    final List<String> commands = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger held = new AtomicInteger();
    /** QUITs received and not answered (see {@link #answerQuit}). */
    final AtomicInteger quitsHeld = new AtomicInteger();
    private final ServerSocket server;
    /** Reply to RCPT by connection number (1-based). */
    volatile IntFunction<String> rcptReply = n -> "250 2.1.5 ok";
    /** The extensions the EHLO reply offers, one per line ("SIZE 10240000", "8BITMIME", ...). */
    volatile List<String> ehlo = List.of("8BITMIME");
    /** Once this many messages were accepted, replies to further final dots are held until {@link #release}. */
    volatile int holdAfter = Integer.MAX_VALUE;
    /** False: QUIT gets no reply until {@link #release} (a peer that hangs after accepting the message). */
    volatile boolean answerQuit = true;
    private volatile CountDownLatch hold = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    ScriptedReceiver() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    int n = connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> session(s, n));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    /** Stops holding: held transactions and QUITs are dropped without a reply (the connection closes). */
    void release() {
        holdAfter = Integer.MAX_VALUE;
        answerQuit = true;
        hold.countDown();
    }

    private void session(Socket s, int n) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.ISO_8859_1)); OutputStream out = s.getOutputStream()) {
            send(out, "220 scripted.test ESMTP");
            String from = null;
            List<String> rcpts = new CopyOnWriteArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line);
                String u = line.toUpperCase(java.util.Locale.ROOT);
                if (u.startsWith("EHLO") || u.startsWith("HELO")) {
                    List<String> lines = new ArrayList<>(List.of("scripted.test"));
                    lines.addAll(ehlo);
                    StringBuilder reply = new StringBuilder();
                    for (int i = 0; i < lines.size(); i++) {
                        reply.append(i > 0 ? "\r\n" : "").append(i < lines.size() - 1 ? "250-" : "250 ")
                                .append(lines.get(i));
                    }
                    send(out, reply.toString());
                } else if (u.startsWith("MAIL FROM:")) {
                    from = line.substring(10).strip();
                    rcpts.clear();
                    send(out, "250 2.1.0 ok");
                } else if (u.startsWith("RCPT TO:")) {
                    String reply = rcptReply.apply(n);
                    if (reply.startsWith("2")) {
                        rcpts.add(line.substring(8).strip());
                    }
                    send(out, reply);
                } else if (u.equals("DATA")) {
                    send(out, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        data.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
                    }
                    if (line == null) {
                        return;
                    }
                    if (accepted.size() >= holdAfter) {
                        held.incrementAndGet();
                        hold.await();
                        return; // dropped: no 250
                    }
                    accepted.add(new Accepted(from, List.copyOf(rcpts), data.toString()));
                    send(out, "250 2.0.0 accepted");
                } else if (u.equals("QUIT")) {
                    if (!answerQuit) {
                        quitsHeld.incrementAndGet();
                        hold.await();
                        return; // dropped: no 221
                    }
                    send(out, "221 2.0.0 bye");
                    return;
                } else if (u.equals("RSET") || u.equals("NOOP")) {
                    send(out, "250 2.0.0 ok");
                } else {
                    send(out, "502 5.5.2 not here");
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // sender gone
        }
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        release();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
