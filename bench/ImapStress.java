// UID stress for bench/imap-stress.sh: concurrent APPEND, FETCH and EXPUNGE sessions on one folder, every
// acknowledged APPENDUID and EXPUNGE written to a journal, then a check of the folder against the journal.
// JDK only, run with the JDK 25 source launcher:
//
//   java bench/ImapStress.java run   --port P --user U --pass PW --journal FILE [--seconds 60]
//                                    [--appenders 6] [--fetchers 2] [--expungers 2] [--folder Stress]
//                                    [--session-commands 20]
//   java bench/ImapStress.java check --port P --user U --pass PW --journal FILE [--folder Stress]
//
// run: every worker logs out and in again after --session-commands commands, so there are moments when no
// session has the folder selected and its index is closed and opened again under the appenders; each appender
// (never SELECTing) APPENDs messages carrying a unique X-Stress-Id and journals "A uid id" after the tagged OK
// [APPENDUID]; each expunger journals "X? uid" before it expunges an acknowledged UID and "X uid" after the OK;
// each fetcher FETCHes acknowledged UIDs and counts any message that comes back under a UID with another id
// (a "wrong" answer, while the server runs). A connection that drops (the server was killed) ends its worker.
// check: SELECT and one UID FETCH of every message; then every acknowledged, not expunged UID must hold its
// message, every acknowledged expunge must be gone, an expunge in flight may be either, no id may be stored
// under two UIDs or under another UID than its APPENDUID, and UIDVALIDITY must not have changed.
// Exit status 0 when nothing is wrong, 1 otherwise. Loopback only.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.cert.X509Certificate;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.regex.*;
import javax.net.ssl.*;

public class ImapStress {

    static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID (\\d+) (\\d+)]");
    static final Pattern FETCHED = Pattern.compile("UID (\\d+) .*X-Stress-Id: (\\S+)", Pattern.DOTALL);

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ImapStress run|check --port P --user U --pass PW --journal FILE ...");
            System.exit(2);
        }
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Options opt = new Options(Integer.parseInt(o.get("port")), o.get("user"), o.get("pass"),
                Path.of(o.get("journal")), o.getOrDefault("folder", "Stress"));
        perSession = Integer.parseInt(o.getOrDefault("session-commands", "20"));
        int status = switch (args[0]) {
            case "run" -> run(opt, Integer.parseInt(o.getOrDefault("seconds", "60")),
                    Integer.parseInt(o.getOrDefault("appenders", "6")), Integer.parseInt(o.getOrDefault("fetchers", "2")),
                    Integer.parseInt(o.getOrDefault("expungers", "2")));
            case "check" -> check(opt);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        };
        System.exit(status);
    }

    record Options(int port, String user, String pass, Path journal, String folder) {}

    // ---- run ---------------------------------------------------------------------------------------------

    static final class Journal {
        private final PrintWriter out;
        final List<long[]> acked = Collections.synchronizedList(new ArrayList<>()); // {uid}
        final Set<Long> expunging = ConcurrentHashMap.newKeySet();

        Journal(Path file) throws IOException {
            out = new PrintWriter(Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        }

        synchronized void write(String line) {
            out.println(line);
            out.flush();
        }
    }

    static int run(Options o, int seconds, int appenders, int fetchers, int expungers) throws Exception {
        Journal j = new Journal(o.journal());
        Map<Long, String> known = new ConcurrentHashMap<>(load(o.journal()).appended);
        for (long uid : known.keySet()) {
            j.acked.add(new long[] {uid});
        }
        try (Client c = new Client(o)) { // the folder, once
            c.cmd("CREATE " + o.folder());
        }
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong appends = new AtomicLong(), fetches = new AtomicLong(), expunges = new AtomicLong(),
                wrong = new AtomicLong(), refused = new AtomicLong();
        String run = Long.toString(System.currentTimeMillis(), 36);
        AtomicLong seq = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < appenders; w++) {
            int worker = w;
            workers.add(Thread.ofVirtual().start(() -> work(o, end, false, c -> {
                String id = run + "-" + worker + "-" + seq.incrementAndGet();
                String msg = "X-Stress-Id: " + id + "\r\nSubject: stress " + id + "\r\n\r\n" + "body line\r\n".repeat(20);
                String r = c.cmdLiteral("APPEND " + o.folder(), msg.getBytes(StandardCharsets.US_ASCII)).getLast();
                Matcher m = APPENDUID.matcher(r);
                if (!m.find()) {
                    refused.incrementAndGet();
                    System.err.println("APPEND refused: " + r);
                    return;
                }
                long uid = Long.parseLong(m.group(2));
                j.write("V " + m.group(1));
                j.write("A " + uid + " " + id);
                if (known.putIfAbsent(uid, id) != null) {
                    wrong.incrementAndGet();
                    System.err.println("APPENDUID " + uid + " given twice: " + known.get(uid) + " and " + id);
                }
                j.acked.add(new long[] {uid});
                appends.incrementAndGet();
            })));
        }
        for (int w = 0; w < fetchers; w++) {
            workers.add(Thread.ofVirtual().start(() -> work(o, end, true, c -> {
                long uid = pick(j);
                if (uid < 0) {
                    c.cmd("NOOP");
                    return;
                }
                for (String line : c.cmd("UID FETCH " + uid + " (BODY.PEEK[HEADER.FIELDS (X-Stress-Id)])")) {
                    Matcher m = FETCHED.matcher(line);
                    if (m.find() && (Long.parseLong(m.group(1)) != uid || !m.group(2).equals(known.get(uid)))) {
                        wrong.incrementAndGet();
                        System.err.println("UID " + uid + " shows " + m.group(2) + ", APPENDUID said " + known.get(uid));
                    }
                }
                fetches.incrementAndGet();
            })));
        }
        for (int w = 0; w < expungers; w++) {
            workers.add(Thread.ofVirtual().start(() -> work(o, end, true, c -> {
                long uid = pick(j);
                if (uid < 0 || !j.expunging.add(uid)) {
                    c.cmd("NOOP");
                    return;
                }
                j.write("X? " + uid);
                // only a UID this session has been told about can be expunged by it: the FETCH reply says so
                boolean flagged = c.cmd("UID STORE " + uid + " +FLAGS (\\Deleted)").stream()
                        .anyMatch(l -> l.contains("FETCH (") && l.contains("UID " + uid + " ") || l.contains("UID " + uid + ")"));
                if (!flagged) {
                    j.write("X- " + uid);
                    j.expunging.remove(uid);
                    return;
                }
                List<String> r = c.cmd("UID EXPUNGE " + uid);
                if (r.getLast().contains(" OK") && r.stream().anyMatch(l -> l.endsWith(" EXPUNGE"))) {
                    j.write("X " + uid);
                    expunges.incrementAndGet();
                }
            })));
        }
        for (Thread t : workers) {
            t.join();
        }
        System.out.printf("run: %d appends, %d fetches, %d expunges in %d s, %d wrong answers, %d refused%n",
                appends.get(), fetches.get(), expunges.get(), seconds, wrong.get(), refused.get());
        return wrong.get() == 0 && refused.get() == 0 ? 0 : 1;
    }

    static long pick(Journal j) {
        synchronized (j.acked) {
            if (j.acked.isEmpty()) {
                return -1;
            }
            return j.acked.get(ThreadLocalRandom.current().nextInt(j.acked.size()))[0];
        }
    }

    interface Step {
        void run(Client c) throws IOException;
    }

    /** Commands per session before a worker logs out and logs in again (the folder's index is closed and opened). */
    static int perSession = 50;

    /**
     * Sessions of {@link #perSession} steps each until the end; appenders never SELECT (APPEND into a folder no
     * session of theirs has open), the others do. A dropped connection (a kill) ends the worker quietly.
     */
    static void work(Options o, long end, boolean select, Step step) {
        try {
            while (System.nanoTime() < end) {
                try (Client c = new Client(o)) {
                    if (select) {
                        c.cmd("SELECT " + o.folder());
                    }
                    for (int i = 0; i < perSession && System.nanoTime() < end; i++) {
                        step.run(c);
                    }
                    c.cmd("LOGOUT");
                }
                if (select) {
                    // out of the folder for up to 3 s: with the appenders alone in it, its index is closed and
                    // opened under them (and the server's 2 s linger runs out now and then)
                    Thread.sleep(ThreadLocalRandom.current().nextInt(3000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the server went away (kill -9): what was acknowledged is in the journal
        }
    }

    // ---- check -------------------------------------------------------------------------------------------

    record Loaded(Map<Long, String> appended, Set<Long> expunged, Set<Long> inFlight, Set<Long> validities) {}

    static Loaded load(Path journal) throws IOException {
        Map<Long, String> appended = new HashMap<>();
        Set<Long> expunged = new HashSet<>(), started = new HashSet<>(), validities = new HashSet<>();
        if (Files.exists(journal)) {
            for (String line : Files.readAllLines(journal)) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "A" -> appended.put(Long.parseLong(f[1]), f[2]);
                    case "X?" -> started.add(Long.parseLong(f[1]));
                    case "X" -> expunged.add(Long.parseLong(f[1]));
                    case "X-" -> started.remove(Long.parseLong(f[1]));
                    case "V" -> validities.add(Long.parseLong(f[1]));
                    default -> { } // a line cut off by a kill of this client: ignored
                }
            }
        }
        started.removeAll(expunged);
        return new Loaded(appended, expunged, started, validities);
    }

    static int check(Options o) throws IOException {
        Loaded j = load(o.journal());
        Map<Long, String> stored = new HashMap<>();
        Map<String, Long> byId = new HashMap<>();
        long validity;
        int errors = 0;
        try (Client c = new Client(o)) {
            List<String> select = c.cmd("EXAMINE " + o.folder());
            validity = select.stream().map(l -> Pattern.compile("UIDVALIDITY (\\d+)").matcher(l))
                    .filter(Matcher::find).mapToLong(m -> Long.parseLong(m.group(1))).findFirst().orElse(-1);
            for (String line : c.cmd("UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (X-Stress-Id)])")) {
                Matcher m = FETCHED.matcher(line);
                if (m.find()) {
                    long uid = Long.parseLong(m.group(1));
                    stored.put(uid, m.group(2));
                    Long before = byId.put(m.group(2), uid);
                    if (before != null) {
                        errors++;
                        System.out.println("DUPLICATE " + m.group(2) + " under UID " + before + " and " + uid);
                    }
                }
            }
        }
        if (j.validities().size() > 1 || (!j.validities().isEmpty() && !j.validities().contains(validity))) {
            errors++;
            System.out.println("UIDVALIDITY changed: journal " + j.validities() + ", folder " + validity);
        }
        int live = 0;
        for (Map.Entry<Long, String> a : j.appended().entrySet()) {
            long uid = a.getKey();
            String there = stored.get(uid);
            if (j.expunged().contains(uid)) {
                if (there != null) {
                    errors++;
                    System.out.println("RESURRECTED UID " + uid + " (" + there + ") after its acknowledged EXPUNGE");
                }
            } else if (j.inFlight().contains(uid)) {
                if (there != null && !there.equals(a.getValue())) {
                    errors++;
                    System.out.println("WRONG UID " + uid + ": holds " + there + ", APPENDUID said " + a.getValue());
                }
            } else {
                live++;
                if (there == null) {
                    errors++;
                    System.out.println("MISSING UID " + uid + " (" + a.getValue() + ")");
                } else if (!there.equals(a.getValue())) {
                    errors++;
                    System.out.println("WRONG UID " + uid + ": holds " + there + ", APPENDUID said " + a.getValue());
                }
            }
            Long now = byId.get(a.getValue());
            if (now != null && now != uid) {
                errors++;
                System.out.println("MOVED " + a.getValue() + ": APPENDUID " + uid + ", now UID " + now);
            }
        }
        System.out.printf("check: %d acknowledged appends (%d live, %d expunged, %d expunges in flight), %d messages "
                + "in the folder, %d errors%n", j.appended().size(), live, j.expunged().size(), j.inFlight().size(),
                stored.size(), errors);
        return errors == 0 ? 0 : 1;
    }

    // ---- a small IMAP client: implicit TLS, literals read into the line ---------------------------------

    static final class Client implements Closeable {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;
        private int tags;

        Client(Options o) throws IOException {
            try {
                TrustManager tm = new X509TrustManager() {
                    public void checkClientTrusted(X509Certificate[] c, String a) {}
                    public void checkServerTrusted(X509Certificate[] c, String a) {}
                    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
                };
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {tm}, null);
                socket = (SSLSocket) ctx.getSocketFactory().createSocket();
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException(e);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", o.port()), 10_000);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            line();
            String r = cmd("LOGIN \"" + o.user() + "\" \"" + o.pass() + "\"").getLast();
            if (!r.contains(" OK")) {
                throw new IOException("LOGIN: " + r);
            }
        }

        List<String> cmd(String command) throws IOException {
            String tag = "s" + (++tags);
            out.write((tag + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return until(tag);
        }

        List<String> cmdLiteral(String command, byte[] literal) throws IOException {
            String tag = "s" + (++tags);
            out.write((tag + " " + command + " {" + literal.length + "+}\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(literal);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return until(tag);
        }

        private List<String> until(String tag) throws IOException {
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = line();
                lines.add(l);
                if (l.startsWith(tag + " ")) {
                    return lines;
                }
            }
        }

        /** One response line, with any literals it carries read into it. */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("connection closed");
                }
                if (c == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') {
                        sb.setLength(n - 1);
                    }
                    int open = sb.lastIndexOf("{");
                    if (sb.length() > 0 && sb.charAt(sb.length() - 1) == '}' && open >= 0) {
                        int len = Integer.parseInt(sb.substring(open + 1, sb.length() - 1));
                        sb.append("\r\n").append(new String(in.readNBytes(len), StandardCharsets.ISO_8859_1));
                        continue;
                    }
                    return sb.toString();
                }
                sb.append((char) c);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
