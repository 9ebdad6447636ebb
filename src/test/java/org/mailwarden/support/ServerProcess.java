package org.mailwarden.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A Mailwarden server in a separate JVM (for kill -9 and heap tests), started with `serve`. */
public final class ServerProcess {

    private ServerProcess() {}

    /** Starts `serve` on {@code dataDir} with SMTP on {@code smtpPort}; returns once it logged event=started. */
    public static Process start(Path dataDir, int smtpPort) throws Exception {
        return start(dataDir, smtpPort, false);
    }

    /** As {@link #start(Path, int)}; with {@code demo}, an empty data dir gets the demo account as it would. */
    public static Process start(Path dataDir, int smtpPort, boolean demo) throws Exception {
        return start(dataDir, smtpPort, 0, List.of(), line -> { }, demo, ROOT_STAYS, List.of());
    }

    /**
     * As {@link #start(Path, int)}, with IMAP over implicit TLS on {@code imapsPort} too (0: off). Started by root, the
     * server keeps running as root (DMS_VMAIL_UID=0): JUnit's temporary directories are closed to other users.
     */
    public static Process start(Path dataDir, int smtpPort, int imapsPort) throws Exception {
        return start(dataDir, smtpPort, imapsPort, List.of(), line -> { });
    }

    /**
     * Starts `serve` with SMTP on {@code smtpPort}, IMAPS on {@code imapsPort} (0: none), {@code jvmOptions} for the
     * server's JVM (e.g. -Xmx96m); each line the server writes goes to {@code output}.
     */
    public static Process start(Path dataDir, int smtpPort, int imapsPort, List<String> jvmOptions,
            Consumer<String> output) throws Exception {
        return start(dataDir, smtpPort, imapsPort, jvmOptions, output, false, ROOT_STAYS, List.of());
    }

    /** As above, with these environment variables (none by default) and further {@code serve} options. */
    public static Process start(Path dataDir, int smtpPort, int imapsPort, Map<String, String> env,
            List<String> options) throws Exception {
        return start(dataDir, smtpPort, imapsPort, List.of(), line -> { }, false, env, options);
    }

    /** Started by root, a test server stays root: JUnit's temporary directories are closed to other users. */
    private static final Map<String, String> ROOT_STAYS = Map.of("DMS_VMAIL_UID", "0");

    private static Process start(Path dataDir, int smtpPort, int imapsPort, List<String> jvmOptions,
            Consumer<String> output, boolean demo, Map<String, String> env, List<String> options) throws Exception {
        String java = System.getProperty("mailwarden.test.java",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", cp, "org.mailwarden.cli.Main", "serve",
                "--data-dir", dataDir.toString(), "--smtp-port", Integer.toString(smtpPort), "--submission-port",
                "0", "--submissions-port", "0", "--imap-port", "0", "--imaps-port", Integer.toString(imapsPort)));
        if (!demo) {
            command.add("--no-demo");
        }
        command.addAll(options);
        return start(command, env, output);
    }

    /**
     * Runs {@code command}, a server's (e.g. `serve` inside {@code ip netns exec}), with these environment variables;
     * each line it writes goes to {@code output}; returns once it logged event=started.
     */
    public static Process start(List<String> command, Map<String, String> env, Consumer<String> output)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        // wait for the start line, not for a fixed time; keep draining the output so the pipe never fills
        CompletableFuture<Boolean> up = new CompletableFuture<>();
        StringBuilder startLog = new StringBuilder(); // what it said until it started, for the failure message
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.accept(line);
                    if (!up.isDone()) {
                        synchronized (startLog) {
                            startLog.append(line).append('\n');
                        }
                    }
                    if (line.contains("event=started")) {
                        up.complete(true);
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
            up.complete(false);
        });
        if (!up.get(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            int exit = p.waitFor();
            synchronized (startLog) {
                throw new AssertionError("the server process did not start (exit " + exit + "):\n" + startLog);
            }
        }
        return p;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
