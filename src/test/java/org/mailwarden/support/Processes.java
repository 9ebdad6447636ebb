package org.mailwarden.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external client (python3, swaks) with a time bound and captures its output. */
public final class Processes {
    private Processes() {}

    public record Result(int exit, String output) {}

    public static Result run(List<String> command, String stdin, int timeoutSeconds) throws IOException,
            InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        // read in a virtual thread so a chatty process cannot block on a full pipe
        var out = new java.io.ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // process ended
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
        }
        reader.join(5000);
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }

    public static Result python(String script, int timeoutSeconds) throws IOException, InterruptedException {
        return run(List.of("python3", "-c", script), null, timeoutSeconds);
    }
}
