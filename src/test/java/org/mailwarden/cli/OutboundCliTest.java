package org.mailwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.queue.QueueDir;
import org.mailwarden.queue.QueueEntry;

/** mailwarden dkim keygen and mailwarden queue list/show/retry/delete/bounce on a data dir. */
class OutboundCliTest {

    @TempDir
    Path dir;

    record Run(int exit, String out) {}

    private Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.run(args);
            return new Run(exit, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void dkimKeygenWritesAPrivateKeyAndPrintsTheRecord() throws Exception {
        Run rsa = run("dkim", "keygen", "Example.TEST", "--data-dir", dir.toString());
        assertThat(rsa.exit()).isZero();
        Path key = dir.resolve("config/opendkim/keys/example.test/mail.private");
        // secret: 0600, or as root 0640 with the mail user's group, for the server that drops root (RootCliOwnershipTest)
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString(
                org.mailwarden.unix.Privileges.isRoot() ? "rw-r-----" : "rw-------"));
        assertThat(rsa.out()).contains("mail._domainkey.example.test").contains("v=DKIM1; h=sha256; k=rsa; p=MII");
        assertThat(Files.readString(key.resolveSibling("mail.txt"))).startsWith("mail._domainkey\tIN\tTXT\t( \"v=DKIM1;");
        DkimKey loaded = DkimKey.load(key, "example.test", "mail");
        assertThat(loaded.algorithm()).isEqualTo("rsa-sha256");
        assertThat(rsa.out()).contains(loaded.publicKeyBase64());

        Run ed = run("dkim", "keygen", "example.test", "--selector", "ed", "--type", "ed25519", "--data-dir",
                dir.toString());
        assertThat(ed.exit()).isZero();
        DkimKey edKey = DkimKey.load(dir.resolve("config/opendkim/keys/example.test/ed.private"), "example.test", "ed");
        assertThat(edKey.algorithm()).isEqualTo("ed25519-sha256");
        assertThat(ed.out()).contains("v=DKIM1; k=ed25519; p=" + edKey.publicKeyBase64());
        assertThat(java.util.Base64.getDecoder().decode(edKey.publicKeyBase64())).hasSize(32);

        // an existing key is never overwritten
        assertThat(run("dkim", "keygen", "example.test", "--data-dir", dir.toString()).exit()).isEqualTo(1);
        assertThat(DkimKey.load(key, "example.test", "mail").publicKeyBase64()).isEqualTo(loaded.publicKeyBase64());
    }

    @Test
    void queueListShowRetryBounceDeleteOnASpoolWrittenInTheOldFormat() throws Exception {
        // entries as SpoolQueue wrote them before the durable queue: <id>.eml + <id>.env, no state
        Path q = dir.resolve("state/queue");
        Files.createDirectories(q);
        for (String id : new String[] {"AAAAAAAAAAAA", "BBBBBBBBBBBB"}) {
            Files.writeString(q.resolve(id + ".eml"), "Subject: old " + id + "\r\n\r\nbody\r\n");
            Files.writeString(q.resolve(id + ".env"), "from <alice@example.test>\nto <x@remote.test>\nto <y@remote.test>\n");
        }
        Run list = run("queue", "list", "--data-dir", dir.toString());
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("AAAAAAAAAAAA").contains("BBBBBBBBBBBB").contains("y@remote.test (pending)");

        Run json = run("queue", "list", "--json", "--data-dir", dir.toString());
        assertThat(json.out()).contains("\"id\":\"AAAAAAAAAAAA\"").contains("\"sender\":\"alice@example.test\"")
                .contains("{\"address\":\"x@remote.test\",\"status\":\"pending\"");

        assertThat(run("queue", "show", "AAAAAAAAAAAA", "--data-dir", dir.toString()).out())
                .contains("sender:    <alice@example.test>").contains("Subject: old AAAAAAAAAAAA");

        QueueDir qd = new QueueDir(q);
        qd.save(qd.load("AAAAAAAAAAAA").orElseThrow().withNextAttempt(Instant.now().plus(Duration.ofHours(3))));
        assertThat(run("queue", "retry", "AAAAAAAAAAAA", "--data-dir", dir.toString()).exit()).isZero();
        assertThat(qd.load("AAAAAAAAAAAA").orElseThrow().nextAttempt()).isBefore(Instant.now().plusSeconds(1));

        assertThat(run("queue", "bounce", "AAAAAAAAAAAA", "--data-dir", dir.toString()).exit()).isZero();
        assertThat(qd.load("AAAAAAAAAAAA").orElseThrow().recipients()).allSatisfy(r ->
                assertThat(r.status()).isEqualTo(QueueEntry.Status.FAILED));

        assertThat(run("queue", "delete", "BBBBBBBBBBBB", "--data-dir", dir.toString()).exit()).isZero();
        assertThat(qd.ids()).containsExactly("AAAAAAAAAAAA");
        assertThat(Files.exists(q.resolve("BBBBBBBBBBBB.eml"))).isFalse();
        assertThat(run("queue", "delete", "BBBBBBBBBBBB", "--data-dir", dir.toString()).exit()).isEqualTo(1);
    }
}
