package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.cli.Main;
import org.mailwarden.support.SmtpClient;

/** The local admin API and the {@code mailwarden fail2ban} command that talks to it. */
class AdminApiCliTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    Run cli(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            String[] full = new String[args.length + 3];
            full[0] = "fail2ban";
            full[1] = "--data-dir";
            full[2] = dir.toString();
            System.arraycopy(args, 0, full, 3, args.length);
            int code = Main.run(full);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void listBanUnbanThroughTheCli() throws Exception {
        try (GateServer s = GateServer.start(dir, GateSocketTest.PROXIED)) {
            Path token = dir.resolve("state").resolve(AdminApi.TOKEN_FILE);
            assertThat(Files.getPosixFilePermissions(token)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.readString(dir.resolve("state").resolve(AdminApi.PORT_FILE)).strip())
                    .isEqualTo(Integer.toString(s.server.adminPort()));

            assertThat(cli("status")).satisfies(r -> {
                assertThat(r.exit()).isZero();
                assertThat(r.out()).contains("\"enabled\":true").contains("\"bans\":0");
            });
            Run ban = cli("ban", "203.0.113.50", "--for", "2h");
            assertThat(ban.exit()).as(ban.err()).isZero();
            assertThat(ban.out()).contains("\"ip\":\"203.0.113.50\"").contains("\"reason\":\"manual\"");
            assertThat(s.gate().bans().isBanned(InetAddress.ofLiteral("203.0.113.50"))).isTrue();
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.50", 1)) {
                assertThat(c.read()).startsWith("421");
            }
            assertThat(cli("ban", "2001:db8:9::1").exit()).isZero();

            Run list = cli("list");
            assertThat(list.exit()).isZero();
            assertThat(list.out()).contains("203.0.113.50\tmanual\t").contains("2001:db8:9::/64\tmanual\t");
            assertThat(cli("list", "--json").out()).contains("\"ip\":\"203.0.113.50\"").contains("\"count\":1");

            assertThat(cli("unban", "203.0.113.50").exit()).isZero();
            assertThat(cli("list").out()).doesNotContain("203.0.113.50");
            try (SmtpClient c = GateServer.via(s.port("smtp"), "203.0.113.50", 2)) {
                assertThat(c.read()).startsWith("220");
            }
            Run again = cli("unban", "203.0.113.50");
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("not banned");
            Run ignored = cli("ban", "127.0.0.1");
            assertThat(ignored.exit()).isEqualTo(1);
            assertThat(ignored.err()).contains("ignore list");
            assertThat(cli("ban", "not-an-ip").exit()).isEqualTo(1);

            // the API itself wants the token
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.server.adminPort() + "/bans")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
        }
        Run none = cli("status");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err()).contains("no running server");
    }

    @Test
    void aManualBanLongerThanACenturyIsPermanent() throws Exception {
        try (GateServer s = GateServer.start(dir, GateSocketTest.PROXIED)) {
            for (String d : List.of("99999999999d", "999999999999999999999999d", "36525d", "permanent")) {
                Run ban = cli("ban", "203.0.113.60", "--for", d);
                assertThat(ban.exit()).as(d + ": " + ban.err()).isZero();
                assertThat(ban.out()).as(d).contains("\"until\":null");
                assertThat(s.gate().bans().banOf(InetAddress.ofLiteral("203.0.113.60")).orElseThrow().permanent())
                        .isTrue();
                assertThat(cli("list").out()).contains("203.0.113.60\tmanual\t").contains("\tpermanent\t");
                assertThat(cli("unban", "203.0.113.60").exit()).isZero();
            }
            Run shorter = cli("ban", "203.0.113.60", "--for", "36524d");
            assertThat(shorter.out()).doesNotContain("\"until\":null");
            assertThat(cli("ban", "203.0.113.61", "--for", "soon").exit()).isEqualTo(1);
        }
    }
}
