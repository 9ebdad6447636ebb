package org.mailwarden.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * Real POP3 clients on both ports (110 with STLS, 995 with TLS from the first byte): Python's poplib runs
 * {@code pop3/poplib_every_command.py}, and fetchmail (Debian's, from scripts/install-test-tools.sh) fetches as a
 * user's cron job would, keeping mail and tracking UIDLs over 995, deleting it over 110.
 */
class Pop3RealClientsTest {

    private static final String ALICE = Pop3ProtocolTest.ALICE;

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(dir -> TestServer.startWithConfig(dir, "pop3.enabled = 1"));

    @TempDir
    Path work;

    private void deliverThree() throws Exception {
        server.get().deliver(ALICE, "one", "first");
        server.get().deliver(ALICE, "two", "second");
        server.get().deliver(ALICE, "dots", "..starts with a dot\r\n...two dots\r\n..\r\nend");
    }

    private long inboxFiles() throws Exception {
        Path box = server.get().server.store().mailboxDir(ALICE);
        try (Stream<Path> n = Files.list(box.resolve("new")); Stream<Path> c = Files.list(box.resolve("cur"))) {
            return n.count() + c.count();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stls", "pop3s"})
    void poplibEveryCommand(String mode) throws Exception {
        deliverThree();
        String script;
        try (InputStream in = getClass().getResourceAsStream("/pop3/poplib_every_command.py")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int port = mode.equals("pop3s") ? server.get().pop3sPort() : server.get().pop3Port();
        Processes.Result r = Processes.python("PORT = " + port + "\nMODE = '" + mode + "'\n" + script, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).as(r.output()).contains("ok capa", "ok user pass", "ok stat list", "ok uidl", "ok top",
                "ok retr dot-stuffed", "ok dele rset", "ok quit", "ok deleted at quit, uidls stable", "DONE " + mode);
        if (mode.equals("stls")) {
            assertThat(r.output()).contains("ok user before tls refused", "ok stls");
        }
        assertThat(inboxFiles()).isEqualTo(2);
    }

    @Test
    void fetchmailKeepsAndTracksUidlsOver995AndFetchesAndDeletesOver110WithStls() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fetchmail")),
                "fetchmail is not installed: run scripts/install-test-tools.sh (apt-get install fetchmail)");
        deliverThree();
        // 995, keep: the first poll fetches all three, the second none (the UIDLs it remembered are still there)
        Path kept = work.resolve("kept.bsmtp");
        assertThat(fetchmail(server.get().pop3sPort(), "ssl no sslcertck keep", kept, "ids995").output())
                .contains("3 messages for alice@example.test");
        assertThat(subjects(kept)).containsExactlyInAnyOrder("one", "two", "dots");
        // what fetchmail took from our dot-stuffed RETR, stuffed again for its BSMTP file
        assertThat(Files.readAllLines(kept)).containsSubsequence("", "..starts with a dot", "...two dots", "..", "end");
        Processes.Result again = fetchmail(server.get().pop3sPort(), "ssl no sslcertck keep", kept, "ids995");
        assertThat(again.output()).contains("3 messages (3 seen)");
        assertThat(subjects(kept)).hasSize(3);
        assertThat(inboxFiles()).isEqualTo(3);

        // 110: STLS (fetchmail upgrades because CAPA offers it; sslproto makes it insist), no keep: fetched, deleted
        Path fetched = work.resolve("fetched.bsmtp");
        Processes.Result stls = fetchmail(server.get().pop3Port(), "sslproto \"tls1.2+\" no sslcertck", fetched,
                "ids110");
        assertThat(stls.output()).contains("STLS", "upgrade to TLS succeeded", "3 messages for alice@example.test");
        assertThat(subjects(fetched)).containsExactlyInAnyOrder("one", "two", "dots");
        assertThat(inboxFiles()).isZero();
    }

    /** One poll of alice's maildrop on {@code port}, delivering to a BSMTP file; fails unless fetchmail succeeds. */
    private Processes.Result fetchmail(int port, String options, Path bsmtp, String idFile) throws Exception {
        Path rc = work.resolve("fetchmailrc-" + port);
        Files.writeString(rc, """
                set no bouncemail
                poll 127.0.0.1 with service %d protocol POP3 uidl
                  user "alice@example.test" there with password "secret-alice"
                  options %s
                  bsmtp "%s"
                """.formatted(port, options, bsmtp));
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------")); // fetchmail insists
        ProcessBuilder pb = new ProcessBuilder("fetchmail", "-f", rc.toString(), "-i", work.resolve(idFile).toString(),
                "--nodetach", "--nosyslog", "-v").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("HOME", work.toString());
        env.put("FETCHMAILHOME", work.toString()); // its pid file: not shared with any other fetchmail
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // 0: mail fetched, 1: no new mail (the second poll with keep)
        assertThat(p.exitValue()).as(out).isBetween(0, 1);
        return new Processes.Result(p.exitValue(), out);
    }

    private static List<String> subjects(Path bsmtp) throws Exception {
        return Files.readAllLines(bsmtp).stream().filter(l -> l.startsWith("Subject: "))
                .map(l -> l.substring("Subject: ".length())).toList();
    }
}
