package org.mailwarden.mailauth.arc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.queue.DurableQueue;
import org.mailwarden.queue.QueueDir;
import org.mailwarden.support.Await;
import org.mailwarden.support.Processes;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/**
 * Forwarded mail leaves ARC-sealed, end to end on loopback with every mail check on: Mailwarden A (mx.example.test,
 * whose alias fwd@example.test forwards to dave@remote.test) checks a message arriving on port 25 and seals its
 * forward with example.test's RSA key (an Ed25519 key beside it is passed over); Mailwarden B (remote.test), reached
 * through the test DNS server's MX records, validates the chain (arc=pass in its Authentication-Results), and so does
 * Debian's dkimpy. Without an RSA key the forward goes unsealed. The envelope line that carries the results loads
 * back, and an entry without one loads with none.
 */
class ArcForwardingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    TestDns dns;
    TestServer a;
    TestServer b;

    @AfterEach
    void stop() throws Exception {
        for (TestServer t : new TestServer[] {a, b}) {
            if (t != null) {
                t.close();
            }
        }
        if (dns != null) {
            dns.close();
        }
    }

    /** Starts B, then A with these keys of example.test (written where docker-mailserver keeps them). */
    private void start(List<DkimKey> keys) throws Exception {
        dns = new TestDns();
        dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.1");
        dns.ptr("127.0.0.1", "localhost").a("localhost", "127.0.0.1");
        dns.txt("origin.test", "v=spf1 ip4:127.0.0.0/8 -all");
        b = server("b", "remote.test", "", "dave@remote.test|{PLAIN}x\n");
        Path config = dir.resolve("a/config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("postfix-virtual.cf"), "fwd@example.test dave@remote.test\n");
        for (DkimKey k : keys) {
            k.write(config);
            dns.txt(k.selector() + "._domainkey." + k.domain(), k.txtRecord());
        }
        a = server("a", "example.test", """
                outbound.port = %d
                queue.retry-initial = 200ms
                queue.retry-max = 1s
                """.formatted(b.smtpPort()), "alice@example.test|{PLAIN}x\n");
    }

    /** A Mailwarden for {@code domain} with the mail checks on (the default), asking the test DNS server. */
    private TestServer server(String name, String domain, String extraConf, String accounts) throws Exception {
        return TestServer.startForDomain(dir.resolve(name), domain, dns.server(), extraConf, accounts);
    }

    /**
     * Sends a message from sender@origin.test (header From {@code from}) to the alias on A's port 25; returns what
     * dave got from B.
     */
    private String forward(String from, String subject) throws Exception {
        try (SmtpClient c = new SmtpClient(a.smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.origin.test");
            assertThat(c.cmd("MAIL FROM:<sender@origin.test>")).startsWith("250");
            assertThat(c.cmd("RCPT TO:<fwd@example.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("From: Sender <" + from + ">\r\nTo: <fwd@example.test>\r\nSubject: " + subject
                    + "\r\nDate: Wed, 02 Dec 2026 07:00:00 +0000\r\nMessage-ID: <" + subject.hashCode()
                    + "@origin.test>\r\n\r\nHello  through the alias.\t\r\n.")).startsWith("250");
        }
        Await.until("'" + subject + "' at dave", WAIT, () -> b.messages("dave@remote.test").stream()
                .anyMatch(m -> m.contains("Subject: " + subject)));
        return b.messages("dave@remote.test").stream().filter(m -> m.contains("Subject: " + subject)).findFirst()
                .orElseThrow();
    }

    @Test
    void aForwardIsSealedWithOurResultsAndTheNextHopAndDkimpyValidateTheChain() throws Exception {
        DkimKey rsa = DkimKey.generate("example.test", "mail", DkimKey.Type.RSA);
        DkimKey ed = DkimKey.generate("example.test", "ed", DkimKey.Type.ED25519);
        start(List.of(ed, rsa));

        String got = forward("sender@origin.test", "Sealed forward");
        String unfolded = got.replaceAll("\r?\n[ \t]+", " ");
        assertThat(unfolded).contains("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.test; s=mail;")
                .contains("ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=mail;")
                .containsPattern("ARC-Authentication-Results: i=1; mx.example.test; iprev=pass \\(localhost\\) "
                        + "policy.iprev=127.0.0.1; spf=pass \\(domain of origin.test\\) "
                        + "smtp.mailfrom=sender@origin.test; .*arc=none.*dmarc=none")
                .doesNotContain("DKIM-Signature:"); // From is not ours
        // the set is on top of what A sent: below B's own fields, above A's Received
        assertThat(got.indexOf("ARC-Seal:")).isLessThan(got.indexOf("ARC-Message-Signature:"));
        assertThat(got.indexOf("ARC-Authentication-Results:")).isLessThan(got.indexOf("by mx.example.test"));
        // B checked the chain A sealed, with A's key from DNS
        assertThat(resultsOfB(unfolded)).contains("arc=pass");

        // From one of ours: DKIM-signed (both keys) and sealed on top, the AMS covering the DKIM-Signature fields
        String signed = forward("alice@example.test", "Signed and sealed");
        assertThat(signed.indexOf("ARC-Authentication-Results:")).isLessThan(signed.indexOf("DKIM-Signature:"));
        assertThat(resultsOfB(signed.replaceAll("\r?\n[ \t]+", " "))).contains("arc=pass")
                .contains("dkim=pass header.d=example.test header.i=@example.test header.s=mail");

        // and dkimpy agrees, handed A's key records (no network)
        StringBuilder files = new StringBuilder();
        for (String m : List.of(got, signed)) {
            Path f = dir.resolve("received" + files.length() + ".eml");
            Files.write(f, m.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
            files.append("'").append(f).append("', ");
        }
        String script = """
                import dkim
                keys = {b'mail._domainkey.example.test': b'%s', b'ed._domainkey.example.test': b'%s'}
                dnsfunc = lambda name, timeout=5: keys.get(name.rstrip(b'.'))
                for f in (%s):
                    msg = open(f, 'rb').read()
                    cv, results, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc)
                    print('arc', cv.decode(), len(results), comment)
                d = dkim.DKIM(msg)
                print('dkim', [d.verify(idx=i, dnsfunc=dnsfunc) for i in range(2)])
                """.formatted(rsa.txtRecord(), ed.txtRecord(), files);
        Processes.Result r = Processes.run(List.of(ArcInteropTest.PYTHON, "-c", script), null, 60);
        assertThat(r.output()).as(r.output()).contains("arc pass 1 success\narc pass 1 success").contains(
                "dkim [True, True]");
    }

    /** B's own Authentication-Results field (unfolded). */
    private static String resultsOfB(String unfolded) {
        return unfolded.lines().filter(l -> l.startsWith("Authentication-Results: mx.remote.test;")).findFirst()
                .orElseThrow();
    }

    @Test
    void withoutAnRsaKeyTheForwardGoesUnsealed() throws Exception {
        start(List.of(DkimKey.generate("example.test", "ed", DkimKey.Type.ED25519)));
        String got = forward("sender@origin.test", "Unsealed forward");
        assertThat(got).doesNotContain("ARC-Seal:").doesNotContain("ARC-Authentication-Results:");
        assertThat(got.replaceAll("\r?\n[ \t]+", " ")).contains("arc=none");
    }

    @Test
    void theEnvelopeKeepsTheResultsOnOneLineAndOlderEntriesLoadWithNone() throws Exception {
        DurableQueue q = new DurableQueue(dir.resolve("queue"));
        DurableQueue.Entry e = q.spool("withAuthres").authResults("mx.example.test;\r\n\tspf=pass\r\n\tarc=none");
        e.write("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII), 0, 17);
        e.commit("s@origin.test", List.of("dave@remote.test"), List.of(), -1, List.of());
        QueueDir d = q.queueDir();
        assertThat(d.load("withAuthres").orElseThrow().authResults()).isEqualTo("mx.example.test; spf=pass arc=none");
        assertThat(Files.readString(d.dir().resolve("withAuthres.env")))
                .contains("authres mx.example.test; spf=pass arc=none\n");

        Files.writeString(d.messageFile("older"), "Subject: y\r\n\r\ny\r\n");
        Files.writeString(d.dir().resolve("older.env"), "from <s@origin.test>\nto <dave@remote.test>\n");
        assertThat(d.load("older").orElseThrow().authResults()).isNull();
    }
}
