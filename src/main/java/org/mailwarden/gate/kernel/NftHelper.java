package org.mailwarden.gate.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code nft -i}, started while the server is still root and kept for its life: it keeps root (and so
 * CAP_NET_ADMIN) after the server drops to the mail user, and it runs nft commands only, no shell. Every batch is
 * followed by {@link NftRules#SENTINEL}, whose listing (or error) tells where nft's reply to the batch ends.
 */
final class NftHelper implements AutoCloseable {

    /** nft's reply to one batch: what it printed, and its errors (each "Error: ..." with the command it names). */
    record Reply(List<String> output, List<String> errors) {
        boolean ok() {
            return errors.isEmpty();
        }
    }

    private static final long ANSWER_SECONDS = 5;
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    NftHelper(Path nft) throws IOException {
        // a session of its own (setsid, util-linux) where there is one: a Ctrl-C at the server's terminal must not
        // end nft before the server's clean stop has removed the table
        Path setsid = Path.of("/usr/bin/setsid");
        List<String> command = java.nio.file.Files.isExecutable(setsid)
                ? List.of(setsid.toString(), nft.toString(), "-i") : List.of(nft.toString(), "-i");
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofVirtual().name("nft-reader").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // nft ended; EOF below tells the waiting batch
            }
            lines.add(EOF);
        });
    }

    synchronized Reply run(List<String> commands) throws IOException {
        lines.clear();
        StringBuilder sb = new StringBuilder();
        for (String c : commands) {
            sb.append(c).append('\n');
        }
        in.write(sb.append(NftRules.SENTINEL).append('\n').toString());
        in.flush();
        List<String> output = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        boolean inSentinel = false;
        String pendingError = null;
        while (true) {
            String line;
            try {
                line = lines.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for nft");
            }
            if (line == null || line.equals(EOF)) {
                throw new IOException(line == null ? "nft did not answer within " + ANSWER_SECONDS + "s"
                        : "nft ended (exit " + exitCode() + ")");
            }
            if (pendingError != null) {
                if (line.equals(NftRules.SENTINEL)) {
                    poll(); // the line of carets under it; no table (after a removal) is no error of the batch
                    return new Reply(output, errors);
                }
                errors.add(pendingError + " (" + line + ")");
                pendingError = null;
                continue;
            }
            if (line.startsWith("Error:")) {
                pendingError = line;
            } else if (line.startsWith("\tchain gate {")) {
                inSentinel = true;
            } else if (inSentinel && line.equals("}")) {
                return new Reply(output, errors);
            } else if (!inSentinel && !line.isBlank() && !line.strip().matches("[\\^~]+")) {
                output.add(line);
            }
        }
    }

    private void poll() {
        try {
            lines.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String exitCode() {
        return process.isAlive() ? "?" : Integer.toString(process.exitValue());
    }

    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(ANSWER_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
