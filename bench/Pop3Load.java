// POP3 load generator for bench/pop3.sh. JDK only (no dependencies), run with the JDK 25 source launcher:
//   java bench/Pop3Load.java --port P [--tls none|implicit] [--clients 20] [--duration 20] [--retr 5]
//        [--user user%d@example.test] [--pass password] [--label name] [--seed 1]
//
// Each client is a mail client's poll, in a loop for a fixed time: connect (a TLS handshake with --tls implicit;
// the JDK client resumes TLS sessions where the server allows), read the greeting, USER, PASS, UIDL, RETR of
// --retr random messages, QUIT. Client i logs in as --user with %d = i+1, so no two clients share a maildrop.
// Prints sessions/s, messages/s, bytes/s and the p50/p99 of a whole session. Loopback only. Uses ImapLoad.java in
// the same directory (the source launcher compiles it too) for its trust-all TLS context.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import javax.net.ssl.*;

public class Pop3Load {

    static Map<String, String> opts(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("bad argument " + a);
            m.put(a.substring(2), args[++i]);
        }
        return m;
    }

    /** One POP3 connection: status lines and multi-line bodies read from a buffered stream. */
    static final class Session implements Closeable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        long bytes;

        Session(int port, SSLContext tls) throws Exception {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(30_000);
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, "127.0.0.1", port, true);
                ssl.startHandshake();
                s = ssl;
            }
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            out = new BufferedOutputStream(s.getOutputStream(), 1024);
        }

        String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new EOFException("connection closed");
                b.append((char) c);
            }
            bytes += b.length() + 1;
            int n = b.length();
            return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
        }

        String ok(String command) throws IOException {
            if (command != null) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            String status = line();
            if (!status.startsWith("+OK")) throw new IOException((command == null ? "greeting" : command.split(" ")[0]) + ": " + status);
            return status;
        }

        /** A multi-line answer's body lines (up to "."), counted. */
        List<String> multi(String command, boolean keep) throws IOException {
            ok(command);
            List<String> lines = new ArrayList<>();
            for (String l = line(); !l.equals("."); l = line()) {
                if (keep) lines.add(l);
            }
            return lines;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = opts(args);
        int port = Integer.parseInt(o.get("port"));
        SSLContext tls = o.getOrDefault("tls", "none").equals("implicit") ? ImapLoad.trustAll() : null; // ImapLoad.java beside
        int clients = Integer.parseInt(o.getOrDefault("clients", "20"));
        int duration = Integer.parseInt(o.getOrDefault("duration", "20"));
        int retr = Integer.parseInt(o.getOrDefault("retr", "5"));
        String user = o.getOrDefault("user", "user%d@example.test");
        String pass = o.getOrDefault("pass", "password");
        String label = o.getOrDefault("label", "server");
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));

        AtomicLong sessions = new AtomicLong();
        AtomicLong messages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long end = start + duration * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String login = String.format(user, i + 1);
            Random r = new Random(seed * 1000 + i);
            threads.add(Thread.ofVirtual().start(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try (Session s = new Session(port, tls)) {
                        s.ok(null);
                        s.ok("USER " + login);
                        s.ok("PASS " + pass);
                        int count = s.multi("UIDL", true).size();
                        for (int k = 0; k < retr && count > 0; k++) {
                            s.multi("RETR " + (1 + r.nextInt(count)), false);
                            messages.incrementAndGet();
                        }
                        s.ok("QUIT");
                        bytes.addAndGet(s.bytes);
                        sessions.incrementAndGet();
                        if (n < mine.length) mine[n++] = System.nanoTime() - t0;
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, login + ": " + e);
                    }
                }
                latencies.add(Arrays.copyOf(mine, n));
            }));
        }
        for (Thread t : threads) t.join();
        double secs = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double p50 = all.length == 0 ? 0 : all[all.length / 2] / 1e6;
        double p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6;
        System.out.printf(Locale.ROOT, "%s: clients=%d duration_s=%.1f sessions=%d sessions_per_s=%.1f messages=%d "
                        + "msgs_per_s=%.1f mib_per_s=%.2f session_p50_ms=%.1f session_p99_ms=%.1f errors=%d%n",
                label, clients, secs, sessions.get(), sessions.get() / secs, messages.get(), messages.get() / secs,
                bytes.get() / secs / (1 << 20), p50, p99, errors.get());
        if (firstError.get() != null) System.out.println("  first error: " + firstError.get());
    }
}
