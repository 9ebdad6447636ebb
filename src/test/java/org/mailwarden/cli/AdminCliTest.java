package org.mailwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.directory.Resolution;
import org.mailwarden.server.MailServer;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;

/**
 * The admin CLI as operators and scripts use it: a separate JVM per command, against a temporary data dir. Kept to
 * a few runs (each costs a JVM start); the command matrix is covered in-process by {@link AdminCommandsTest}.
 */
class AdminCliTest {

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {}

    /** Runs {@code mailwarden ARGS --data-dir dir} in a new JVM with {@code stdin} piped in. */
    private Result cli(String stdin, String... args) throws Exception {
        String java = System.getProperty("mailwarden.test.java",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                "org.mailwarden.cli.Main"));
        command.addAll(List.of(args));
        command.addAll(List.of("--data-dir", dir.toString()));
        Process p = new ProcessBuilder(command).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException ignored) {
                // process ended
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited: " + command).isTrue();
        errReader.join(5000);
        return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void accountLifecycleWithExitCodesFilesAndJson() throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("postfix-virtual.cf"), "# hand-written\nteam@example.org bob@example.org\n");

        // the password comes on stdin: never in argv, never printed, stored as SHA512-CRYPT in a 0600 file
        String password = "correct horse battery";
        Result add = cli(password + "\n", "email", "add", "Alice@Example.org");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).isEqualTo("added account alice@example.org\n");
        Path accounts = config.resolve("postfix-accounts.cf");
        String line = Files.readString(accounts);
        assertThat(line).startsWith("alice@example.org|{SHA512-CRYPT}$6$").endsWith("\n");
        String hash = line.strip().split("\\|")[1];
        assertThat(PasswordHashes.verify(hash, password.toCharArray())).isTrue();
        // secret: 0600, or as root 0640 with the group of the mail user the server runs as (RootCliOwnershipTest)
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(accounts)))
                .isEqualTo(org.mailwarden.unix.Privileges.isRoot() ? "rw-r-----" : "rw-------");
        assertThat(add.out() + add.err()).doesNotContain(password, "$6$");

        Result dup = cli("other\n", "email", "add", "alice@example.org");
        assertThat(dup.exit()).isEqualTo(1);
        assertThat(dup.err()).contains("alice@example.org already exists");
        assertThat(Files.readString(accounts)).isEqualTo(line);

        // docker-mailserver's positional password still works, with a warning; the previous version is kept
        Result update = cli(null, "email", "update", "alice@example.org", "new-secret");
        assertThat(update.exit()).isZero();
        assertThat(update.err()).contains("warning", "process list");
        assertThat(Files.readString(config.resolve("postfix-accounts.cf.bak"))).isEqualTo(line);
        String newHash = Files.readString(accounts).strip().split("\\|")[1];
        assertThat(PasswordHashes.verify(newHash, "new-secret".toCharArray())).isTrue();

        assertThat(cli(null, "alias", "add", "team@example.org", "alice@example.org").exit()).isZero();
        assertThat(Files.readString(config.resolve("postfix-virtual.cf")))
                .isEqualTo("# hand-written\nteam@example.org bob@example.org,alice@example.org\n");

        Result list = cli(null, "email", "list", "--json");
        assertThat(list.exit()).isZero();
        Object json = new MiniJson(list.out()).parse();
        assertThat(json).isEqualTo(List.of(Map.of("address", "alice@example.org", "quota", MiniJson.NULL,
                "aliases", List.of("team@example.org"), "restrictions", List.of())));
        assertThat(list.out()).doesNotContain("$6$");

        // no terminal to confirm on: refused without -y (usage error), nothing deleted
        Result del = cli(null, "email", "del", "alice@example.org");
        assertThat(del.exit()).isEqualTo(2);
        assertThat(del.err()).contains("-y");
        assertThat(Files.readString(accounts)).contains("alice@example.org|");

        Result bad = cli(null, "quota", "set", "not-an-address", "10G");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("not an address");
    }

    @Test
    void anAccountAddedByTheCliReceivesMailInARunningServer() throws Exception {
        try (TestServer server = TestServer.start(dir)) {
            String address = "newcomer@" + TestServer.DOMAIN;
            assertThat(server.server.directory().resolve(address)).isInstanceOf(Resolution.UnknownUser.class);

            Result add = cli("pw-for-newcomer\n", "email", "add", address);
            assertThat(add.exit()).as(add.err()).isZero();

            Await.until("the directory resolves " + address, Duration.ofSeconds(10),
                    () -> server.server.directory().resolve(address) instanceof Resolution.Deliver);
            try (SmtpClient c = new SmtpClient(server.smtpPort())) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.remote.test");
                assertThat(c.cmd("MAIL FROM:<sender@remote.test>")).startsWith("250");
                assertThat(c.cmd("RCPT TO:<" + address + ">")).startsWith("250");
                assertThat(c.cmd("DATA")).startsWith("354");
                assertThat(c.cmd("Subject: welcome\r\n\r\nhello newcomer\r\n.")).startsWith("250");
            }
            assertThat(server.messages(address)).singleElement().asString().contains("hello newcomer");
            assertThat(server.server.directory().authenticate(address, "pw-for-newcomer".toCharArray())).isPresent();
        }
    }

    @Test
    void configCheckIsSilentOnTheDefaultsAndFailsOnACriticalFinding() throws Exception {
        // what serve leaves behind on first start: the demo account and a self-signed certificate; a data dir the
        // mail user (which a server started by root runs as) can reach
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ServerConfig config = ServerConfig.load(dir, null, null, new ServerConfig.Ports(null, null, null, null, null),
                System.getenv());
        ServeCommand.createDemoAccount(config);
        new MailServer(config).close();
        assertThat(config.tlsDir().resolve("fullchain.pem")).exists();

        Result clean = cli(null, "config", "check", "--json");
        assertThat(clean.exit()).as(clean.out() + clean.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) new MiniJson(clean.out()).parse();
        assertThat(report).containsEntry("ok", true).containsEntry("critical", 0L).containsEntry("warning", 0L);

        // a certificate that cannot be loaded, a weak hash and a broken alias line
        Files.writeString(config.configDir().resolve("mailwarden.conf"), "tls.cert = /nonexistent/fullchain.pem\n"
                + "tls.key = /nonexistent/privkey.pem\n");
        Files.writeString(config.configDir().resolve("postfix-accounts.cf"), "weak@example.org|{PLAIN}hunter2\n",
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(config.configDir().resolve("postfix-virtual.cf"), "no-domain weak@example.org\n");
        Result broken = cli(null, "config", "check");
        assertThat(broken.exit()).as(broken.err()).isEqualTo(1);
        assertThat(broken.out()).contains("CRITICAL tls.unusable", "WARNING  accounts.weak-hash",
                "WARNING  config.malformed-line", "WARNING  dkim.key-missing", "fix: ", "1 critical")
                .doesNotContain("hunter2");
    }

    /** Just enough of a JSON parser to check --json output: objects, arrays, strings, numbers, booleans, null. */
    static final class MiniJson {
        static final Object NULL = new Object() {
            @Override
            public String toString() {
                return "null";
            }
        };
        private final String s;
        private int i;

        MiniJson(String text) {
            s = text.strip();
        }

        Object parse() {
            Object v = value();
            if (i != s.length()) {
                throw new IllegalArgumentException("trailing text at " + i + ": " + s);
            }
            return v;
        }

        private Object value() {
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                while (s.charAt(i) != '}') {
                    String k = (String) value();
                    expect(':');
                    m.put(k, value());
                    if (s.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                while (s.charAt(i) != ']') {
                    l.add(value());
                    if (s.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
                return l;
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch == '\\') {
                        char e = s.charAt(i++);
                        switch (e) {
                            case 'n' -> b.append('\n');
                            case 'r' -> b.append('\r');
                            case 't' -> b.append('\t');
                            case 'u' -> {
                                b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                                i += 4;
                            }
                            default -> b.append(e);
                        }
                    } else {
                        b.append(ch);
                    }
                }
                i++;
                return b.toString();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("null") ? NULL : Boolean.valueOf(word);
                }
            }
            int start = i;
            while (i < s.length() && "-0123456789".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            return Long.parseLong(s.substring(start, i));
        }

        private void expect(char c) {
            if (s.charAt(i++) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + (i - 1));
            }
        }
    }
}
