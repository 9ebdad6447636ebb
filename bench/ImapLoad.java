// IMAP load generator for bench/imap.sh and bench/imap-idle.sh. JDK only (no dependencies), run with the
// JDK 25 source launcher:  java bench/ImapLoad.java <mode> [options]
//
//   seed DIR COUNT [SEED]        writes COUNT deterministic messages into the Maildir DIR (cur/, with S= W=)
//   load [options]               N connections, LOGIN + SELECT, then a mixed command loop for a fixed time;
//                                prints commands/s, p50/p99 latency, errors, and a per-command breakdown
//   once --op OP [options]       one connection, LOGIN + SELECT, then one command of kind OP (e.g. SEARCH_FROM,
//                                drawn with --seed): prints its latency (a first search after a restart)
//   idle [options]               opens many IDLE connections, measures a server's VmRSS, optionally checks
//                                that one SMTP delivery reaches the IDLE clients of that mailbox
//
// Plain sockets and the IMAP text protocol (tagged commands, literals skipped byte-exactly), so the client
// costs little next to the servers. Loopback only: the host must be a 127.x address.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import javax.net.ssl.*;

public class ImapLoad {

    // ---- options --------------------------------------------------------------------------------------

    static Map<String, String> opts(String[] args, int from) {
        Map<String, String> m = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a);
            int eq = a.indexOf('=');
            if (eq > 0) m.put(a.substring(2, eq), a.substring(eq + 1));
            else if (i + 1 < args.length && !args[i + 1].startsWith("--")) m.put(a.substring(2), args[++i]);
            else m.put(a.substring(2), "true");
        }
        return m;
    }

    static String opt(Map<String, String> o, String k, String def) { return o.getOrDefault(k, def); }
    static int iopt(Map<String, String> o, String k, int def) { return Integer.parseInt(opt(o, k, "" + def)); }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ImapLoad seed DIR COUNT [SEED] | load --port P [--tls none|implicit|starttls] "
                    + "[--clients 20] [--duration 20] [--warmup 5] [--user u] [--pass p] | idle ...");
            System.exit(2);
        }
        switch (args[0]) {
            case "seed" -> seed(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? Long.parseLong(args[3]) : 42);
            case "load" -> load(opts(args, 1));
            case "once" -> once(opts(args, 1));
            case "idle" -> idle(opts(args, 1));
            default -> { System.err.println("unknown mode " + args[0]); System.exit(2); }
        }
    }

    // ---- seeding --------------------------------------------------------------------------------------

    static final String[] WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
            + "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu report invoice "
            + "meeting budget release server backup schedule review draft").split(" ");

    /** Deterministic messages: From userN@example.org (N < 100), Subject "<word> report K", 1-8 KiB bodies. */
    static void seed(Path dir, int count, long seed) throws IOException {
        for (String sub : List.of("cur", "new", "tmp")) Files.createDirectories(dir.resolve(sub));
        Random r = new Random(seed);
        long t0 = 1_700_000_000L;
        DateTimeFormatter rfc = DateTimeFormatter.RFC_1123_DATE_TIME;
        for (int i = 0; i < count; i++) {
            long when = t0 + i * 600L + r.nextInt(600);
            int from = r.nextInt(100);
            StringBuilder m = new StringBuilder(8192);
            m.append("Return-Path: <user").append(from).append("@example.org>\n");
            m.append("From: User ").append(from).append(" <user").append(from).append("@example.org>\n");
            m.append("To: user1@example.test\n");
            m.append("Subject: ").append(WORDS[r.nextInt(WORDS.length)]).append(" report ").append(r.nextInt(1000)).append('\n');
            m.append("Date: ").append(rfc.format(Instant.ofEpochSecond(when).atZone(ZoneOffset.UTC))).append('\n');
            m.append("Message-ID: <bench.").append(i).append("@example.org>\n");
            m.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n");
            int lines = 16 + r.nextInt(112);
            for (int l = 0; l < lines; l++) {
                int words = 6 + r.nextInt(8);
                for (int w = 0; w < words; w++) m.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
                m.append('\n');
            }
            byte[] b = m.toString().getBytes(StandardCharsets.US_ASCII);
            int crlf = b.length;
            for (byte x : b) if (x == '\n') crlf++;
            int f = r.nextInt(100);
            String flags = f < 70 ? "S" : f < 75 ? "FS" : f < 78 ? "RS" : "";
            String name = when + ".M" + i + "P4242Q1.bench,S=" + b.length + ",W=" + crlf + ":2," + flags;
            Path p = dir.resolve("cur").resolve(name);
            Files.write(p, b);
            Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(when)));
        }
    }

    // ---- protocol -------------------------------------------------------------------------------------

    static SSLContext trustAll() throws Exception {
        TrustManager tm = new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {}
            public void checkServerTrusted(X509Certificate[] c, String a) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {tm}, null);
        return ctx;
    }

    static final class Response {
        String status;      // OK, NO, BAD
        String text;        // the tagged line
        List<String> untagged = new ArrayList<>();
    }

    static final class Client implements Closeable {
        Socket socket;
        InputStream in;
        OutputStream out;
        int tagSeq;
        boolean keepUntagged = true;

        Client(String host, int port, String tls, SSLContext ctx, String bindAddr, int timeoutMs) throws Exception {
            Socket s = new Socket();
            if (bindAddr != null) s.bind(new InetSocketAddress(bindAddr, 0));
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), timeoutMs);
            s.setSoTimeout(timeoutMs);
            if (tls.equals("implicit")) {
                SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, host, port, true);
                ssl.startHandshake();
                s = ssl;
            }
            attach(s);
            String greeting = line();
            if (greeting == null || !greeting.startsWith("* OK")) throw new IOException("greeting: " + greeting);
            if (tls.equals("starttls")) {
                Response r = cmd("STARTTLS");
                if (!r.status.equals("OK")) throw new IOException("STARTTLS: " + r.text);
                SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(socket, host, port, true);
                ssl.startHandshake();
                attach(ssl);
            }
        }

        void attach(Socket s) throws IOException {
            socket = s;
            in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            out = new BufferedOutputStream(s.getOutputStream(), 16 * 1024);
        }

        private final StringBuilder sb = new StringBuilder(256);

        String line() throws IOException {
            sb.setLength(0);
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                    return sb.toString();
                }
                sb.append((char) c);
            }
            return null;
        }

        void skip(long n) throws IOException {
            while (n > 0) {
                long k = in.skip(n);
                if (k <= 0) {
                    if (in.read() < 0) throw new EOFException();
                    k = 1;
                }
                n -= k;
            }
        }

        /** Sends a command (optionally with a LITERAL+ literal at its end) and reads to its tagged response. */
        Response cmd(String command, byte[]... literal) throws IOException {
            String tag = "a" + (++tagSeq);
            if (literal.length == 0) {
                out.write((tag + " " + command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write((tag + " " + command + " {" + literal[0].length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(literal[0]);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            return response(tag);
        }

        Response response(String tag) throws IOException {
            Response r = new Response();
            String prefix = tag + " ";
            while (true) {
                String l = line();
                if (l == null) throw new EOFException("connection closed");
                String first = l;
                while (l.endsWith("}")) { // a literal: skip its octets, the line goes on after it
                    int open = l.lastIndexOf('{');
                    long n = Long.parseLong(l.substring(open + 1, l.length() - 1).replace("+", ""));
                    skip(n);
                    l = line();
                    if (l == null) throw new EOFException("connection closed");
                }
                if (first.startsWith(prefix)) {
                    int sp = first.indexOf(' ', prefix.length());
                    r.status = sp < 0 ? first.substring(prefix.length()) : first.substring(prefix.length(), sp);
                    r.text = first;
                    return r;
                }
                if (keepUntagged && first.startsWith("* ")) r.untagged.add(first);
            }
        }

        @Override
        public void close() {
            try { socket.close(); } catch (IOException ignored) {}
        }
    }

    static int exists(Response r, int def) {
        for (String u : r.untagged) {
            if (u.endsWith(" EXISTS")) return Integer.parseInt(u.substring(2, u.length() - 7));
        }
        return def;
    }

    // ---- load -----------------------------------------------------------------------------------------

    enum Op { FETCH_FLAGS_RANGE, FETCH_FLAGS_ALL, FETCH_HEADER, FETCH_BODY, STORE, APPEND, STORE_DELETED,
        UID_EXPUNGE, SEARCH_UNSEEN, SEARCH_FROM, SEARCH_SUBJECT, SEARCH_TO, SEARCH_HEADER, SEARCH_TEXT, SEARCH_BODY,
        NOOP, SELECT, LOGIN }

    /** The mix, as weights of "actions" (an APPEND action is three commands: APPEND, UID STORE \Deleted, UID EXPUNGE). */
    static final String DEFAULT_MIX = "FETCH_FLAGS_RANGE=12,FETCH_FLAGS_ALL=1,FETCH_HEADER=20,FETCH_BODY=15,STORE=20,"
            + "APPEND=5,SEARCH_UNSEEN=4,SEARCH_FROM=2,SEARCH_SUBJECT=2,NOOP=10,SELECT=1";

    /** Header searches only (MIX=SEARCH, per command with DETAIL=1); TEXT and BODY read every body, for reference. */
    static final String SEARCH_MIX = "SEARCH_FROM=4,SEARCH_SUBJECT=4,SEARCH_TO=4,SEARCH_HEADER=4,SEARCH_TEXT=1,SEARCH_BODY=1";

    /**
     * One command of each kind, drawn with {@code r}: the seeded mailbox has From userN@example.org (N < 100),
     * To user1@example.test, Subject "<word> report K", Message-ID bench.I@example.org.
     */
    static String searchCommand(Op op, Random r) {
        return switch (op) {
            case SEARCH_UNSEEN -> "SEARCH UNSEEN";
            case SEARCH_FROM -> "SEARCH FROM \"user" + r.nextInt(100) + "@\"";
            case SEARCH_SUBJECT -> "SEARCH SUBJECT \"" + WORDS[r.nextInt(WORDS.length)] + " report " + r.nextInt(1000) + "\"";
            // no message matches: the whole folder is looked at, and the answer is short
            case SEARCH_TO -> "SEARCH TO \"user" + (2 + r.nextInt(98)) + "@\"";
            case SEARCH_HEADER -> "SEARCH HEADER Message-ID \"<bench." + r.nextInt(10000) + "@\"";
            case SEARCH_TEXT -> "SEARCH TEXT \"user" + r.nextInt(100) + "@example.org\"";
            case SEARCH_BODY -> "SEARCH BODY \"" + WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)]
                    + " " + WORDS[r.nextInt(WORDS.length)] + "\"";
            default -> throw new IllegalArgumentException(op.name());
        };
    }

    static final class Stats {
        final long[][] lat = new long[Op.values().length][];
        final int[] n = new int[Op.values().length];
        final int[] errors = new int[Op.values().length];

        Stats() { for (int i = 0; i < lat.length; i++) lat[i] = new long[1024]; }

        void add(Op op, long nanos, boolean ok) {
            int i = op.ordinal();
            if (n[i] == lat[i].length) lat[i] = Arrays.copyOf(lat[i], n[i] * 2);
            lat[i][n[i]++] = nanos;
            if (!ok) errors[i]++;
        }
    }

    static long pct(long[] sorted, int n, double p) {
        if (n == 0) return 0;
        return sorted[Math.min(n - 1, (int) Math.floor(p * (n - 1) + 0.5))];
    }

    static void load(Map<String, String> o) throws Exception {
        String host = opt(o, "host", "127.0.0.1");
        if (!host.startsWith("127.")) throw new IllegalArgumentException("loopback only");
        int port = iopt(o, "port", 143);
        String tls = opt(o, "tls", "none");
        String user = opt(o, "user", "user1@example.test");
        String pass = opt(o, "pass", "password");
        int clients = iopt(o, "clients", 20);
        int duration = iopt(o, "duration", 20);
        int warmup = iopt(o, "warmup", 0);
        String label = opt(o, "label", host + ":" + port);
        long seed = Long.parseLong(opt(o, "seed", "1"));
        // Dovecot allows 10 connections per user and client IP (mail_max_userip_connections): spread the clients
        // over several loopback source addresses
        String[] sources = opt(o, "sources", "127.0.0.1").split(",");
        Map<Op, Integer> weights = new EnumMap<>(Op.class);
        String mix = opt(o, "mix", DEFAULT_MIX);
        for (String kv : (mix.equals("SEARCH") ? SEARCH_MIX : mix).split(",")) {
            String[] p = kv.split("=");
            weights.put(Op.valueOf(p[0].trim()), Integer.parseInt(p[1].trim()));
        }
        List<Op> wheel = new ArrayList<>();
        weights.forEach((op, w) -> { for (int i = 0; i < w; i++) wheel.add(op); });
        SSLContext ctx = tls.equals("none") ? null : trustAll();

        CyclicBarrier ready = new CyclicBarrier(clients + 1);
        Stats[] stats = new Stats[clients];
        AtomicInteger failed = new AtomicInteger();
        long[] loginNanos = new long[clients];
        long[] window = new long[2]; // measured window start, end (nanoTime)
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(Thread.ofVirtual().name("client-" + c).start(() -> {
                Stats st = new Stats();
                stats[id] = st;
                Random r = new Random(seed * 1000 + id);
                Client cl = null;
                int count = 0;
                try {
                    long t0 = System.nanoTime();
                    cl = new Client(host, port, tls, ctx, sources[id % sources.length], 60_000);
                    Response lr = cl.cmd("LOGIN \"" + user + "\" \"" + pass + "\"");
                    if (!lr.status.equals("OK")) throw new IOException("LOGIN: " + lr.text);
                    Response sr = cl.cmd("SELECT INBOX");
                    if (!sr.status.equals("OK")) throw new IOException("SELECT: " + sr.text);
                    count = exists(sr, 0);
                    loginNanos[id] = System.nanoTime() - t0;
                } catch (Exception e) {
                    failed.incrementAndGet();
                    System.err.println(label + " client " + id + ": " + e);
                }
                try {
                    ready.await();
                } catch (Exception e) {
                    return;
                }
                if (cl == null || count == 0) return;
                int base = count; // seeded messages: sequence numbers 1..base and UIDs 1..base stay (only appends go)
                long start = window[0], end = window[1];
                try {
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= end) break;
                        boolean counted = now >= start;
                        Op op = wheel.get(r.nextInt(wheel.size()));
                        switch (op) {
                            case APPEND -> {
                                byte[] msg = ("From: Bench <bench@example.org>\r\nTo: " + user + "\r\nSubject: bench "
                                        + id + "-" + r.nextInt(1_000_000) + "\r\nMessage-ID: <" + UUID.randomUUID()
                                        + "@example.org>\r\n\r\nA small message appended by the benchmark.\r\n")
                                        .getBytes(StandardCharsets.US_ASCII);
                                long a = System.nanoTime();
                                Response ar = cl.cmd("APPEND INBOX (\\Seen)", msg);
                                long b = System.nanoTime();
                                if (counted) st.add(Op.APPEND, b - a, ar.status.equals("OK"));
                                int i1 = ar.text.indexOf("[APPENDUID ");
                                if (i1 < 0) break;
                                String[] code = ar.text.substring(i1 + 11, ar.text.indexOf(']', i1)).split(" ");
                                String uid = code[1];
                                a = System.nanoTime();
                                Response dr = cl.cmd("UID STORE " + uid + " +FLAGS.SILENT (\\Deleted)");
                                b = System.nanoTime();
                                if (counted) st.add(Op.STORE_DELETED, b - a, dr.status.equals("OK"));
                                a = System.nanoTime();
                                Response er = cl.cmd("UID EXPUNGE " + uid);
                                b = System.nanoTime();
                                if (counted) st.add(Op.UID_EXPUNGE, b - a, er.status.equals("OK"));
                            }
                            default -> {
                                String command = switch (op) {
                                    case FETCH_FLAGS_RANGE -> {
                                        int s = 1 + r.nextInt(Math.max(1, base - 100));
                                        yield "FETCH " + s + ":" + (s + 99) + " (FLAGS)";
                                    }
                                    case FETCH_FLAGS_ALL -> "FETCH 1:* (FLAGS)";
                                    case FETCH_HEADER -> "FETCH " + (1 + r.nextInt(base))
                                            + " (UID BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])";
                                    case FETCH_BODY -> "FETCH " + (1 + r.nextInt(base)) + " (UID BODY.PEEK[])";
                                    case STORE -> "UID STORE " + (1 + r.nextInt(base)) + (r.nextBoolean() ? " +" : " -")
                                            + "FLAGS (\\Seen)";
                                    case SEARCH_UNSEEN, SEARCH_FROM, SEARCH_SUBJECT, SEARCH_TO, SEARCH_HEADER,
                                         SEARCH_TEXT, SEARCH_BODY -> searchCommand(op, r);
                                    case NOOP -> "NOOP";
                                    case SELECT -> "SELECT INBOX";
                                    default -> throw new IllegalStateException();
                                };
                                long a = System.nanoTime();
                                Response rr = cl.cmd(command);
                                long b = System.nanoTime();
                                if (counted) st.add(op, b - a, rr.status.equals("OK"));
                                if (!rr.status.equals("OK") && st.errors[op.ordinal()] <= 3) {
                                    System.err.println(label + " " + command + " -> " + rr.text);
                                }
                            }
                        }
                    }
                    cl.cmd("LOGOUT");
                } catch (Exception e) {
                    failed.incrementAndGet();
                    System.err.println(label + " client " + id + " died: " + e);
                } finally {
                    cl.close();
                }
            }));
        }
        // everyone logged in and selected: start the clock
        while (ready.getNumberWaiting() < clients) Thread.sleep(10);
        window[0] = System.nanoTime() + warmup * 1_000_000_000L;
        window[1] = window[0] + duration * 1_000_000_000L;
        ready.await();
        for (Thread t : threads) t.join();

        long total = 0, errs = 0;
        StringBuilder detail = new StringBuilder();
        long[] allArr = new long[0];
        int allN = 0;
        for (Op op : Op.values()) {
            int n = 0;
            for (Stats s : stats) if (s != null) n += s.n[op.ordinal()];
            if (n == 0) continue;
            long[] l = new long[n];
            int k = 0, e = 0;
            for (Stats s : stats) {
                if (s == null) continue;
                System.arraycopy(s.lat[op.ordinal()], 0, l, k, s.n[op.ordinal()]);
                k += s.n[op.ordinal()];
                e += s.errors[op.ordinal()];
            }
            Arrays.sort(l);
            total += n;
            errs += e;
            allArr = Arrays.copyOf(allArr, allN + n);
            System.arraycopy(l, 0, allArr, allN, n);
            allN += n;
            detail.append(String.format(Locale.ROOT, "  %-18s %8d cmds %8.1f/s  p50 %7.2f ms  p99 %7.2f ms  errors %d%n",
                    op, n, n / (double) duration, pct(l, n, 0.5) / 1e6, pct(l, n, 0.99) / 1e6, e));
        }
        Arrays.sort(allArr, 0, allN);
        long[] lg = loginNanos.clone();
        Arrays.sort(lg);
        System.out.printf(Locale.ROOT, "%s: clients=%d duration_s=%d cmds=%d cmds_per_s=%.0f p50_ms=%.2f p99_ms=%.2f "
                        + "errors=%d failed_clients=%d login_select_p50_ms=%.1f%n", label, clients, duration, total,
                total / (double) duration, pct(allArr, allN, 0.5) / 1e6, pct(allArr, allN, 0.99) / 1e6, errs,
                failed.get(), pct(lg, lg.length, 0.5) / 1e6);
        if (o.containsKey("detail")) System.out.print(detail);
    }

    static void once(Map<String, String> o) throws Exception {
        String host = opt(o, "host", "127.0.0.1");
        if (!host.startsWith("127.")) throw new IllegalArgumentException("loopback only");
        String tls = opt(o, "tls", "none");
        Op op = Op.valueOf(opt(o, "op", "SEARCH_FROM"));
        String command = searchCommand(op, new Random(Long.parseLong(opt(o, "seed", "1"))));
        try (Client cl = new Client(host, iopt(o, "port", 143), tls, tls.equals("none") ? null : trustAll(),
                opt(o, "sources", "127.0.0.1").split(",")[0], 600_000)) {
            Response lr = cl.cmd("LOGIN \"" + opt(o, "user", "user1@example.test") + "\" \"" + opt(o, "pass", "password") + "\"");
            if (!lr.status.equals("OK")) throw new IOException("LOGIN: " + lr.text);
            long a = System.nanoTime();
            Response sr = cl.cmd("SELECT INBOX");
            long b = System.nanoTime();
            if (!sr.status.equals("OK")) throw new IOException("SELECT: " + sr.text);
            Response rr = cl.cmd(command);
            long c = System.nanoTime();
            int hits = 0;
            for (String u : rr.untagged) if (u.startsWith("* SEARCH")) hits = u.split(" ").length - 2;
            System.out.printf(Locale.ROOT, "%s: %-14s select_ms=%.1f first_ms=%.1f matches=%d %s%n", opt(o, "label", "?"),
                    op, (b - a) / 1e6, (c - b) / 1e6, hits, rr.status.equals("OK") ? "" : rr.text);
            cl.cmd("LOGOUT");
        }
    }

    // ---- idle -----------------------------------------------------------------------------------------

    static long rssKiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    static void idle(Map<String, String> o) throws Exception {
        String host = opt(o, "host", "127.0.0.1");
        if (!host.startsWith("127.")) throw new IllegalArgumentException("loopback only");
        int port = iopt(o, "port", 2993);
        String tls = opt(o, "tls", "implicit");
        int clients = iopt(o, "clients", 10000);
        int accounts = iopt(o, "accounts", 500);
        String domain = opt(o, "domain", "example.test");
        String pass = opt(o, "pass", "password");
        String[] sources = opt(o, "sources", "127.0.0.1").split(",");
        int parallel = iopt(o, "parallel", 64);
        long pid = Long.parseLong(opt(o, "pid", "0"));
        int smtpPort = iopt(o, "smtp-port", 0);
        int settle = iopt(o, "settle", 10);
        SSLContext ctx = tls.equals("none") ? null : trustAll();

        Semaphore opening = new Semaphore(parallel);
        AtomicInteger idling = new AtomicInteger(), failed = new AtomicInteger();
        AtomicInteger notified = new AtomicInteger();
        long[] deliveredAt = new long[1];
        ConcurrentLinkedQueue<Long> notifyLatency = new ConcurrentLinkedQueue<>();
        CountDownLatch opened = new CountDownLatch(clients);
        List<Client> conns = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        long rss0 = pid > 0 ? rssKiB(pid) : -1;
        for (int c = 0; c < clients; c++) {
            int id = c;
            Thread.ofVirtual().start(() -> {
                Client cl = null;
                boolean counted = false;
                String l;
                try {
                    opening.acquire();
                    try {
                        cl = new Client(host, port, tls, ctx, sources[id % sources.length], 120_000);
                        cl.keepUntagged = false;
                        String user = "user" + (1 + id % accounts) + "@" + domain;
                        Response lr = cl.cmd("LOGIN \"" + user + "\" \"" + pass + "\"");
                        if (!lr.status.equals("OK")) throw new IOException("LOGIN: " + lr.text);
                        Response sr = cl.cmd("SELECT INBOX");
                        if (!sr.status.equals("OK")) throw new IOException("SELECT: " + sr.text);
                        cl.out.write("i IDLE\r\n".getBytes(StandardCharsets.US_ASCII));
                        cl.out.flush();
                        do { l = cl.line(); } while (l != null && !l.startsWith("+"));
                        if (l == null) throw new EOFException("closed before IDLE continuation");
                        cl.socket.setSoTimeout(0);
                        conns.add(cl);
                        idling.incrementAndGet();
                    } finally {
                        opening.release();
                    }
                    counted = true;
                    opened.countDown();
                    while ((l = cl.line()) != null) {
                        if (l.endsWith(" EXISTS") && deliveredAt[0] != 0) {
                            notifyLatency.add(System.nanoTime() - deliveredAt[0]);
                            notified.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    if (failed.incrementAndGet() <= 5) System.err.println("idle client " + id + ": " + e);
                } finally {
                    if (!counted) opened.countDown();
                }
            });
        }
        opened.await();
        long openMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("idle: connections=%d failed=%d open_time_s=%.1f%n", idling.get(), failed.get(), openMs / 1000.0);
        if (pid > 0) {
            System.out.printf("idle: server VmRSS before=%d MiB%n", rss0 / 1024);
            for (int i = 0; i < settle; i++) {
                Thread.sleep(1000);
            }
            long rss = rssKiB(pid);
            System.out.printf(Locale.ROOT, "idle: server VmRSS with %d IDLE connections (after %d s settle) = %d MiB "
                    + "(%.1f KiB per connection over the start)%n", idling.get(), settle, rss / 1024,
                    (rss - rss0) / (double) Math.max(1, idling.get()));
        }
        if (pid > 0 && o.containsKey("histogram")) {
            // the live set by class (GC.class_histogram runs a full collection first), and the RSS after it
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    "" + pid, "GC.class_histogram").redirectErrorStream(true).start();
            List<String> lines = new BufferedReader(new InputStreamReader(p.getInputStream())).lines().toList();
            p.waitFor();
            System.out.println("idle: live objects by class (top 25 of jcmd GC.class_histogram):");
            lines.stream().limit(28).forEach(x -> System.out.println("  " + x));
            lines.stream().filter(x -> x.startsWith("Total")).forEach(x -> System.out.println("  " + x));
            Thread.sleep(2000);
            System.out.printf("idle: server VmRSS after a full GC = %d MiB%n", rssKiB(pid) / 1024);
        }
        if (smtpPort > 0) {
            String rcpt = opt(o, "rcpt", "user1@" + domain);
            int expect = 0;
            for (int c = 0; c < clients; c++) if (("user" + (1 + c % accounts) + "@" + domain).equals(rcpt)) expect++;
            deliveredAt[0] = System.nanoTime();
            smtp(host, smtpPort, rcpt);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (notified.get() < expect && System.nanoTime() < deadline) Thread.sleep(20);
            List<Long> lat = new ArrayList<>(notifyLatency);
            Collections.sort(lat);
            System.out.printf(Locale.ROOT, "idle: SMTP delivery to %s: %d of %d IDLE clients saw EXISTS; "
                            + "latency from SMTP start p50=%.0f ms max=%.0f ms%n", rcpt, notified.get(), expect,
                    lat.isEmpty() ? -1.0 : lat.get(lat.size() / 2) / 1e6, lat.isEmpty() ? -1.0 : lat.getLast() / 1e6);
            if (pid > 0) System.out.printf("idle: server VmRSS after the delivery = %d MiB%n", rssKiB(pid) / 1024);
        }
        for (Client c : conns) c.close();
    }

    static void smtp(String host, int port, String rcpt) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            expect(in, "220");
            for (String[] step : new String[][] {{"EHLO bench.example.org", "250"}, {"MAIL FROM:<bench@example.org>", "250"},
                    {"RCPT TO:<" + rcpt + ">", "250"}, {"DATA", "354"},
                    {"From: bench@example.org\r\nTo: " + rcpt + "\r\nSubject: idle check\r\n\r\nhello\r\n.", "250"},
                    {"QUIT", "221"}}) {
                out.write(step[0] + "\r\n");
                out.flush();
                expect(in, step[1]);
            }
        }
    }

    static void expect(BufferedReader in, String code) throws IOException {
        String l;
        do {
            l = in.readLine();
            if (l == null) throw new EOFException("SMTP closed");
        } while (l.length() > 3 && l.charAt(3) == '-');
        if (!l.startsWith(code)) throw new IOException("SMTP: expected " + code + ", got " + l);
    }
}
