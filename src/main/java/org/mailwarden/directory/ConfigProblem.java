package org.mailwarden.directory;

/**
 * Something wrong in a configuration file: which file, which line (1-based; 0 when it concerns the whole file)
 * and what. Problems never stop the rest of the configuration from loading; they are shown so that an
 * administrator, a config check or a test can see what was skipped.
 */
public record ConfigProblem(String file, int line, String message) {

    /** One log line in key=value style, e.g. {@code event=config-error file=postfix-virtual.cf line=7 reason="..."}. */
    public String toLogLine() {
        return "event=config-error file=" + file + " line=" + line + " reason=\"" + escape(message) + "\"";
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r");
    }
}
