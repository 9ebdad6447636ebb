package org.mailwarden.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.Processes;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.unix.Privileges;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.UnixUser;

/**
 * Issue #12 item 3: started by root on a docker-mailserver tree owned by 5000:5000, the server binds its port, runs
 * as 5000, writes what it delivers as 5000:5000 0600 (new directories 0700), and Dovecot running as 5000 reads it.
 */
class RunAsMailUserTest {

    static final String DOVECOT_IMAP = "/usr/lib/dovecot/imap";
    static final int VMAIL = 5000;

    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() throws Exception {
        assumeTrue(Privileges.isRoot(), "skipped: dropping privileges needs the tests to run as root (CI does)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // the mail user's way in
        // the server process loads classes from target/classes after it dropped root (a jar, as ./mailwarden runs
        // it, is open before): a checkout in a directory closed to uid 5000 cannot run this test
        Path classes = Path.of(MailServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Optional<Path> closed = FileOwners.blockedOnTheWay(classes, UnixUser.of(5000, 5000));
        assumeTrue(closed.isEmpty(), () -> "skipped: " + closed.orElseThrow() + " is closed to uid 5000, so the server"
                + " could not load its classes from " + classes + " after dropping root; run from a readable checkout");
    }

    @Test
    void deliversAsTheMailUserAndDovecotReadsIt() throws Exception {
        assertThat(Path.of(DOVECOT_IMAP)).as("Dovecot's imap (scripts/install-test-tools.sh installs dovecot-imapd)")
                .isExecutable();
        // docker-mailserver's layout: config/ (root's files, 0644) and mail-data/ owned by 5000:5000
        Path config = Files.createDirectories(dir.resolve("dms/config"));
        Files.writeString(config.resolve("mailwarden.conf"),
                "listen.address = 127.0.0.1\nhostname = mx.example.test\nsmtp.greet-wait = 0\ndns.server = 127.0.0.1:9\nmailauth.enabled = 0\n");
        Files.writeString(config.resolve("postfix-accounts.cf"),
                "alice@example.test|{PLAIN}x\nbob@example.test|{PLAIN}y\n");
        Path mail = dir.resolve("dms/mail-data");
        Path alice = mail.resolve("example.test/alice");
        for (String sub : List.of("cur", "new", "tmp")) {
            Files.createDirectories(alice.resolve(sub));
        }
        try (Stream<Path> s = Files.walk(mail)) {
            for (Path p : s.toList()) {
                FileOwners.chown(p, VMAIL, VMAIL);
            }
        }
        Path data = dir.resolve("mailwarden");

        int port = ServerProcess.freePort();
        Process server = ServerProcess.start(data, port, 0, Map.of(),
                List.of("--config-dir", config.toString(), "--mail-dir", mail.toString()));
        try {
            assertThat(idLines(server.pid())).containsExactly("Uid:\t5000\t5000\t5000\t5000",
                    "Gid:\t5000\t5000\t5000\t5000");
            try (SmtpClient c = new SmtpClient(port)) {
                assertThat(c.read()).startsWith("220 ");
                c.cmd("EHLO client.remote.test");
                for (String to : List.of("alice", "bob")) {
                    assertThat(c.cmd("MAIL FROM:<sender@remote.test>")).startsWith("250");
                    assertThat(c.cmd("RCPT TO:<" + to + "@example.test>")).startsWith("250");
                    assertThat(c.cmd("DATA")).startsWith("354");
                    assertThat(c.cmd("Subject: for " + to + "\r\n\r\nhello " + to + ", from uid 5000\r\n."))
                            .startsWith("250 2.0.0");
                }
            }
            Path bob = mail.resolve("example.test/bob");
            for (Path box : List.of(alice, bob)) {
                Path delivered = single(box.resolve("new"));
                assertThat(stat(delivered)).isEqualTo("5000:5000 0600");
            }
            // bob's mailbox is new: the server made it, as the mail user, with Dovecot's modes
            for (Path d : List.of(bob, bob.resolve("cur"), bob.resolve("new"), bob.resolve("tmp"))) {
                assertThat(stat(d)).as(d.toString()).isEqualTo("5000:5000 0700");
            }
            assertThat(stat(data.resolve("state"))).isEqualTo("5000:5000 0700");
            assertThat(stat(data.resolve("state/admin.token"))).isEqualTo("5000:5000 0600");
            assertThat(stat(data.resolve("tls/privkey.pem"))).isEqualTo("5000:5000 0600");
            assertThat(stat(mail)).isEqualTo("5000:5000 0755"); // an existing tree owned by 5000 is left as it is

            for (String user : List.of("alice", "bob")) {
                String imap = dovecot(mail.resolve("example.test").resolve(user));
                assertThat(imap).contains("a OK").contains("b OK")
                        .contains("Subject: for " + user).contains("hello " + user + ", from uid 5000");
            }
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Dovecot's imap, pre-authenticated on stdin/stdout, as 5000:5000 (as docker-mailserver runs it): SELECT, FETCH. */
    private String dovecot(Path maildir) throws Exception {
        Path conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, "mail_location = maildir:" + maildir + "\nlog_path = /dev/stderr\nssl = no\n"
                // no stats process to talk to (a system Dovecot's socket may be there, closed to uid 5000)
                + "stats_writer_socket_path =\n");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
        Processes.Result r = Processes.run(List.of("env", "-i", "USER=vmail", "HOME=" + maildir, "setpriv",
                "--reuid=" + VMAIL, "--regid=" + VMAIL, "--clear-groups", DOVECOT_IMAP, "-c", conf.toString()),
                "a SELECT INBOX\r\nb FETCH 1 BODY[]\r\nc LOGOUT\r\n", 30);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).as(r.output()).doesNotContain("Permission denied").contains("* 1 EXISTS");
        return r.output();
    }

    private static List<String> idLines(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("Uid:") || l.startsWith("Gid:")).toList();
    }

    private static Path single(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.toList();
            assertThat(files).as(dir.toString()).hasSize(1);
            return files.getFirst();
        }
    }

    private static String stat(Path p) throws Exception {
        FileOwners.Stat s = FileOwners.stat(p).orElseThrow();
        return s.uid() + ":" + s.gid() + " " + String.format("%04o", s.mode() & 07777);
    }
}
