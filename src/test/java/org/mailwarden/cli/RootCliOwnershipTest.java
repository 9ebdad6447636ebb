package org.mailwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.Privileges;

/** Admin commands run by root keep the files the server reads readable by the mail user it runs as. */
class RootCliOwnershipTest {

    @TempDir
    Path dir;

    Path accounts;

    @BeforeEach
    void needsRoot() throws Exception {
        assumeTrue(Privileges.isRoot(), "skipped: changing file owners needs the tests to run as root (CI does)");
        accounts = Files.createDirectories(dir.resolve("config")).resolve("postfix-accounts.cf");
    }

    @Test
    void emailAddKeepsTheOwnerAndGroupOfTheAccountsFile() throws Exception {
        Files.writeString(accounts, "alice@example.test|{PLAIN}x\n");
        FileOwners.chown(accounts, 5000, 5001);
        Files.setPosixFilePermissions(accounts, PosixFilePermissions.fromString("rw-r-----"));

        assertThat(Main.run("email", "add", "bob@example.test", "secret-bob", "--data-dir", dir.toString()))
                .isEqualTo(ExitCodes.OK);

        assertThat(Files.readString(accounts)).startsWith("alice@example.test|{PLAIN}x\nbob@example.test|{");
        assertThat(stat(accounts)).isEqualTo("5000:5001 0640");
        assertThat(stat(accounts.resolveSibling("postfix-accounts.cf.bak"))).isEqualTo("5000:5001 0640");
    }

    @Test
    void aNewAccountsFileIsRootsWithTheMailUsersGroup() throws Exception {
        // no run.user and no mail dir yet: the server will run as docker-mailserver's 5000:5000
        assertThat(Main.run("email", "add", "bob@example.test", "secret-bob", "--data-dir", dir.toString()))
                .isEqualTo(ExitCodes.OK);
        assertThat(stat(accounts)).isEqualTo("0:5000 0640");

        Files.writeString(dir.resolve("config/mailwarden.conf"), "run.user = root\n");
        Files.delete(accounts);
        assertThat(Main.run("email", "add", "bob@example.test", "secret-bob", "--data-dir", dir.toString()))
                .isEqualTo(ExitCodes.OK);
        assertThat(stat(accounts)).isEqualTo("0:0 0600"); // a server that stays root reads it as it is
    }

    @Test
    void dkimKeygenLeavesAKeyTheServerCanRead() throws Exception {
        assertThat(Main.run("dkim", "keygen", "example.org", "--type", "ed25519", "--data-dir", dir.toString()))
                .isZero();
        assertThat(stat(dir.resolve("config/opendkim/keys/example.org/mail.private"))).isEqualTo("0:5000 0640");
    }

    @Test
    void queueRetryLeavesItsStateFileToTheQueuesOwner() throws Exception {
        Path q = Files.createDirectories(dir.resolve("state/queue"));
        Files.writeString(q.resolve("AAAAAAAAAAAA.eml"), "Subject: queued\r\n\r\nbody\r\n");
        Files.writeString(q.resolve("AAAAAAAAAAAA.env"), "from <alice@example.test>\nto <x@remote.test>\n");
        try (var s = Files.walk(dir.resolve("state"))) {
            for (Path p : s.toList()) {
                FileOwners.chown(p, 5000, 5000);
            }
        }
        assertThat(Main.run("queue", "retry", "AAAAAAAAAAAA", "--data-dir", dir.toString())).isZero();
        assertThat(stat(q.resolve("AAAAAAAAAAAA.state"))).startsWith("5000:5000 ");
        try (var s = Files.walk(q)) {
            for (Path p : s.toList()) {
                assertThat(stat(p)).as(p.toString()).startsWith("5000:5000 ");
            }
        }
    }

    private static String stat(Path p) throws Exception {
        return FileOwners.stat(p).orElseThrow().label();
    }
}
