package org.mailwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command matrix in-process (fast): exit codes, messages and files. Separate JVMs: {@link AdminCliTest}. */
class AdminCommandsTest {

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {}

    private Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--help") && !args[0].equals("version")) {
            all.addAll(List.of("--data-dir", dir.toString()));
        }
        return new Result(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void restrictionsQuotasAndAliases() throws Exception {
        assertThat(run("email", "add", "a@example.org", "pw").exit()).isZero();

        assertThat(run("email", "restrict", "add", "send", "a@example.org").exit()).isZero();
        assertThat(run("email", "restrict", "add", "send", "a@example.org").exit()).isEqualTo(1);
        assertThat(run("email", "restrict", "add", "relay", "a@example.org").exit()).isEqualTo(2);
        assertThat(run("email", "restrict", "add", "receive", "a@example.org").exit()).isZero();
        assertThat(run("email", "restrict", "list", "send").out()).isEqualTo("a@example.org\n");
        assertThat(run("email", "restrict", "list", "receive", "--json").out()).isEqualTo("[\"a@example.org\"]\n");
        assertThat(Files.readString(dir.resolve("config/postfix-receive-access.cf"))).isEqualTo("a@example.org REJECT\n");
        assertThat(run("email", "restrict", "del", "receive", "a@example.org").exit()).isZero();
        assertThat(run("email", "restrict", "del", "receive", "a@example.org").exit()).isEqualTo(1);

        assertThat(run("quota", "set", "a@example.org", "500M").exit()).isZero();
        assertThat(run("quota", "set", "ghost@example.org", "500M").err()).contains("does not exist");
        assertThat(run("quota", "set", "a@example.org", "lots").exit()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("config/dovecot-quotas.cf"))).isEqualTo("a@example.org:500M\n");
        assertThat(run("quota", "del", "a@example.org").exit()).isZero();
        assertThat(run("quota", "del", "a@example.org").exit()).isEqualTo(1);

        assertThat(run("alias", "add", "list@example.org", "a@example.org").exit()).isZero();
        assertThat(run("alias", "add", "list@example.org", "b@example.net").exit()).isZero();
        assertThat(run("alias", "add", "@example.org", "a@example.org").exit()).isZero();
        assertThat(run("alias", "add", "list@example.org", "a@example.org").exit()).isEqualTo(1);
        assertThat(run("alias", "list").out())
                .isEqualTo("* list@example.org a@example.org,b@example.net\n* @example.org a@example.org\n");
        assertThat(run("alias", "del", "list@example.org", "a@example.org").exit()).isZero();
        assertThat(run("alias", "del", "@example.org").exit()).isZero();
        assertThat(run("alias", "del", "nope@example.org").exit()).isEqualTo(1);
        assertThat(run("alias", "list", "--json").out()).isEqualTo("{\"list@example.org\":[\"b@example.net\"]}\n");

        Result del = run("email", "del", "-y", "a@example.org");
        assertThat(del.exit()).isZero();
        assertThat(del.out()).contains("removed its send restriction", "mailbox is kept");
        assertThat(run("email", "list").out()).isEmpty();
    }

    @Test
    void usageErrorsAndHelp() {
        assertThat(run("email").exit()).isEqualTo(2);
        assertThat(run("email", "add").exit()).isEqualTo(2); // missing ADDRESS
        assertThat(run("email", "list", "--bogus").exit()).isEqualTo(2);
        for (String[] cmd : new String[][] {{"email", "add", "--help"}, {"email", "restrict", "add", "--help"},
                {"alias", "del", "--help"}, {"quota", "set", "--help"}, {"config", "check", "--help"}}) {
            Result help = run(cmd);
            assertThat(help.exit()).isZero();
            assertThat(help.out()).contains("Usage: mailwarden " + String.join(" ", List.of(cmd).subList(0, cmd.length - 1)));
        }
        assertThat(run("email", "add", "--help").out()).contains("--data-dir", "--config-dir");
    }

    @Test
    void aBadConfigFileIsExitCode78() throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/mailwarden.conf"), "no.such.setting = 1\n");
        Result r = run("config", "check");
        assertThat(r.exit()).isEqualTo(78);
        assertThat(r.err()).contains("unknown setting 'no.such.setting'");
    }
}
