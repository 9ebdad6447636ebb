package org.mailwarden.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.Setting;
import org.mailwarden.config.Settings;
import org.mailwarden.directory.ConfigProblem;

/**
 * The configuration line parsers. docker-mailserver's tables ({@code directory.ConfigParser}: postfix-accounts.cf,
 * postfix-virtual.cf, postfix-regexp.cf and the access and sender-login maps) never throw: a bad line is a
 * {@link ConfigProblem} naming a line of the file, and is skipped. mailwarden.conf ({@code ServerConfig.readFile},
 * then each value through its {@link Setting}) either loads or stops with a {@link ConfigException}.
 */
class ConfigFuzzTest {

    static final int MAX_INPUT = 16 * 1024;

    private static final MethodHandle PARSE_TABLES = Internals.method("org.mailwarden.directory.ConfigParser",
            "parse", 7);
    private static final MethodHandle PROBLEMS = Internals.method("org.mailwarden.directory.ConfigSnapshot",
            "problems", 0);
    private static final MethodHandle READ_CONF = Internals.method("org.mailwarden.config.ServerConfig", "readFile", 1);
    private static final Map<String, Setting<?>> SETTINGS = Settings.ALL.stream()
            .collect(java.util.stream.Collectors.toMap(Setting::key, s -> s));
    private static final Path CONF = tempFile();

    /** The same text as each of the six tables: every line is some table's line, or a problem in it. */
    @FuzzTest
    void postfixTables(byte[] data) throws Throwable {
        if (data.length > MAX_INPUT) {
            return;
        }
        String text = new String(data, StandardCharsets.UTF_8);
        Object snapshot = PARSE_TABLES.invoke(text, text, text, text, text, text, Set.of("example.test"));
        int lines = (int) text.chars().filter(c -> c == '\n').count() + 1;
        @SuppressWarnings("unchecked")
        List<ConfigProblem> problems = (List<ConfigProblem>) PROBLEMS.invoke(snapshot);
        for (ConfigProblem p : problems) {
            Check.that(p.line() >= 0 && p.line() <= lines && !p.message().isEmpty(),
                    () -> "problem " + p + " is not about one of the " + lines + " lines");
        }
    }

    @FuzzTest
    void mailwardenConf(byte[] data) throws Throwable {
        if (data.length > MAX_INPUT) {
            return;
        }
        Files.write(CONF, data);
        Map<?, ?> values;
        try {
            values = (Map<?, ?>) READ_CONF.invoke(CONF);
        } catch (ConfigException e) {
            return;
        }
        for (Map.Entry<?, ?> e : values.entrySet()) {
            Setting<?> s = SETTINGS.get((String) e.getKey());
            Check.that(s != null, () -> "readFile let an unknown setting through: " + e.getKey());
            try {
                s.parse((String) e.getValue(), CONF.toString());
            } catch (ConfigException bad) {
                // the documented answer to a bad value
            }
        }
    }

    private static Path tempFile() {
        try {
            Path p = Files.createTempFile("mailwarden-fuzz-", ".conf");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
