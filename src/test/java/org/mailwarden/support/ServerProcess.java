package org.mailwarden.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        return start(dataDir, smtpPort, 0, List.of(), line -> { }, demo);
    }

    /** As {@link #start(Path, int)}, with IMAP over implicit TLS on {@code imapsPort} too (0: off). */
    public static Process start(Path dataDir, int smtpPort, int imapsPort) throws Exception {
        return start(dataDir, smtpPort, imapsPort, List.of(), line -> { });
    }

    /**
     * Starts `serve` with SMTP on {@code smtpPort}, IMAPS on {@code imapsPort} (0: none), {@code jvmOptions} for the
     * server's JVM (e.g. -Xmx96m); each line the server writes goes to {@code output}.
     */
    public static Process start(Path dataDir, int smtpPort, int imapsPort, List<String> jvmOptions,
            Consumer<String> output) throws Exception {
        return start(dataDir, smtpPort, imapsPort, jvmOptions, output, false);
    }

    private static Process start(Path dataDir, int smtpPort, int imapsPort, List<String> jvmOptions,
            Consumer<String> output, boolean demo) throws Exception {
        String java = System.getProperty("mailwarden.test.java",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", cp, "org.mailwarden.cli.Main", "serve",
                "--data-dir", dataDir.toString(), "--smtp-port", Integer.toString(smtpPort), "--submission-port",
                "0", "--submissions-port", "0", "--imap-port", "0", "--imaps-port", Integer.toString(imapsPort)));
        if (!demo) {
            command.add("--no-demo");
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        // wait for the start line, not for a fixed time; keep draining the output so the pipe never fills
        CompletableFuture<Boolean> up = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.accept(line);
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
            throw new AssertionError("the server process did not start (exit " + p.waitFor() + ")");
        }
        return p;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
