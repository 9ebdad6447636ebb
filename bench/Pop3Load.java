// POP3 load generator for bench/pop3.sh. JDK only (no dependencies), run with the JDK 25 source launcher:
//   java bench/Pop3Load.java --server LABEL,PORT,TLS,PID,WARMUP_S [--server ...] [--clients 20] [--duration 20]
//        [--rounds 2] [--retr 5] [--user user%d@example.test] [--pass password]
//
// Each client is a mail client's poll, in a loop for a fixed time: connect (a TLS handshake with TLS = implicit;
// the JDK client resumes TLS sessions where the server allows), read the greeting, USER, PASS, UIDL, RETR of
// --retr random messages, QUIT. Client i logs in as --user with %d = i+1, so no two clients share a maildrop.
//
// All servers are driven from this one JVM, so the client's own JIT warm-up is over before anything is measured:
// first each server's warm-up (WARMUP_S, not counted), then --rounds rounds of --duration seconds per server in
// turn. Per run: sessions/s, messages/s, p50/p99 of a whole session, and the CPU time the server's process tree used
// per session (PID: utime+stime of it and its live descendants plus what it reaped, from /proc), which on shared
// cores is steadier than the rates. The summary compares the first server with the others. Loopback only. Uses
// ImapLoad.java in the same directory (the source launcher compiles it too) for its trust-all TLS context.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import javax.net.ssl.*;

public class Pop3Load {

    record Server(String label, int port, SSLContext tls, long pid, int warmup) {}

    record Run(long sessions, long messages, double seconds, double cpuSeconds, double p50, double p99, long errors) {
        double sessionsPerSecond() { return sessions / seconds; }
        double messagesPerSecond() { return messages / seconds; }
        double cpuMsPerSession() { return cpuSeconds * 1000 / Math.max(1, sessions); }
    }

    /** One POP3 connection: status lines and multi-line bodies read from a buffered stream. */
    static final class Session implements Closeable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

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
            int n = b.length();
            return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
        }

        void ok(String command) throws IOException {
            if (command != null) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            String status = line();
            if (!status.startsWith("+OK")) {
                throw new IOException((command == null ? "greeting" : command.split(" ")[0]) + ": " + status);
            }
        }

        /** A multi-line answer: how many lines came before the ".". */
        int multi(String command) throws IOException {
            ok(command);
            int lines = 0;
            while (!line().equals(".")) {
                lines++;
            }
            return lines;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** CPU seconds used so far by {@code root} and its live descendants, with the children it has reaped. */
    static double cpuSeconds(long root, double tick) throws IOException {
        Map<Long, List<Long>> children = new HashMap<>();
        Map<Long, Long> own = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long pid = Long.parseLong(p.getFileName().toString());
                // after the command: state ppid ... utime(11) stime(12) cutime(13) cstime(14)
                own.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]));
                children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(pid);
            }
        }
        long total = 0;
        Deque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            total += own.getOrDefault(pid, 0L);
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return total / tick;
    }

    static Run run(Server server, int clients, int seconds, int retr, String user, String pass, long seed, double tick)
            throws Exception {
        AtomicLong sessions = new AtomicLong();
        AtomicLong messages = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        double cpuBefore = cpuSeconds(server.pid(), tick);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            String login = String.format(user, i + 1);
            Random r = new Random(seed * 1000 + i);
            threads.add(Thread.ofVirtual().start(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try (Session s = new Session(server.port(), server.tls())) {
                        s.ok(null);
                        s.ok("USER " + login);
                        s.ok("PASS " + pass);
                        int count = s.multi("UIDL");
                        for (int k = 0; k < retr && count > 0; k++) {
                            s.multi("RETR " + (1 + r.nextInt(count)));
                            messages.incrementAndGet();
                        }
                        s.ok("QUIT");
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
        double cpu = cpuSeconds(server.pid(), tick) - cpuBefore;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double p50 = all.length == 0 ? 0 : all[all.length / 2] / 1e6;
        double p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6;
        if (firstError.get() != null) System.out.println("  " + server.label() + " first error: " + firstError.get());
        return new Run(sessions.get(), messages.get(), secs, cpu, p50, p99, errors.get());
    }

    public static void main(String[] args) throws Exception {
        List<Server> servers = new ArrayList<>();
        Map<String, String> o = new HashMap<>();
        SSLContext tls = ImapLoad.trustAll(); // ImapLoad.java beside this file
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--server")) {
                String[] s = args[i + 1].split(",");
                servers.add(new Server(s[0], Integer.parseInt(s[1]), s[2].equals("implicit") ? tls : null,
                        Long.parseLong(s[3]), Integer.parseInt(s[4])));
            } else {
                o.put(args[i].substring(2), args[i + 1]);
            }
        }
        int clients = Integer.parseInt(o.getOrDefault("clients", "20"));
        int duration = Integer.parseInt(o.getOrDefault("duration", "20"));
        int rounds = Integer.parseInt(o.getOrDefault("rounds", "2"));
        int retr = Integer.parseInt(o.getOrDefault("retr", "5"));
        String user = o.getOrDefault("user", "user%d@example.test");
        String pass = o.getOrDefault("pass", "password");
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
        double tick = Double.parseDouble(new String(getconf.getInputStream().readAllBytes()).strip());

        for (Server s : servers) {
            if (s.warmup() > 0) {
                System.out.printf("warm-up %s (%d s, not counted)%n", s.label(), s.warmup());
                run(s, clients, s.warmup(), retr, user, pass, 0, tick);
            }
        }
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            System.out.printf("round %d: load average %s%n", round,
                    String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3)));
            for (Server s : servers) {
                Run r = run(s, clients, duration, retr, user, pass, round, tick);
                runs.computeIfAbsent(s.label(), k -> new ArrayList<>()).add(r);
                System.out.printf(Locale.ROOT, "%s: sessions=%d sessions_per_s=%.1f messages=%d msgs_per_s=%.1f "
                                + "session_p50_ms=%.1f session_p99_ms=%.1f errors=%d cpu_ms_per_session=%.2f%n",
                        s.label(), r.sessions(), r.sessionsPerSecond(), r.messages(), r.messagesPerSecond(), r.p50(),
                        r.p99(), r.errors(), r.cpuMsPerSession());
            }
        }
        System.out.printf("%nPOP3, %d clients (one maildrop each), UIDL + %d RETR per session, %d rounds of %d s:%n",
                clients, retr, rounds, duration);
        System.out.printf("  %-16s %10s %10s %22s%n", "", "sessions/s", "messages/s", "server CPU ms/session");
        double[] ref = null;
        for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
            double sps = e.getValue().stream().mapToDouble(Run::sessionsPerSecond).average().orElse(0);
            double mps = e.getValue().stream().mapToDouble(Run::messagesPerSecond).average().orElse(0);
            double cpu = e.getValue().stream().mapToDouble(Run::cpuMsPerSession).average().orElse(0);
            String ratio = "";
            if (ref == null) {
                ref = new double[] {sps, mps, cpu};
            } else {
                ratio = String.format(Locale.ROOT, "  %s: %.2fx sessions/s, %.2fx messages/s, %.2fx less CPU per "
                        + "session", servers.getFirst().label(), ref[0] / sps, ref[1] / mps, cpu / ref[2]);
            }
            System.out.printf(Locale.ROOT, "  %-16s %10.1f %10.1f %22.2f%s%n", e.getKey(), sps, mps, cpu, ratio);
        }
    }
}
