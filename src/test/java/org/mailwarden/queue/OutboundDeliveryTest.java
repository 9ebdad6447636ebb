package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventLog;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.support.Await;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/**
 * Outbound delivery end to end on loopback: a real DNS server serving test zones, the sending Mailwarden
 * (example.test), and a receiving Mailwarden (remote.test) or a scripted receiver.
 */
class OutboundDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    TestDns dns;
    TestServer remote;
    TestServer local;

    @BeforeEach
    void dns() throws Exception {
        dns = Outbound.dns();
        dns.mx("nullmx.test", 0, ".");
    }

    @AfterEach
    void stop() throws Exception {
        if (local != null) {
            local.close();
        }
        if (remote != null) {
            remote.close();
        }
        dns.close();
    }

    private void startBoth(String extraLocalConf) throws Exception {
        remote = Outbound.startRemote(dir.resolve("remote"), "dns.server = " + dns.server() + "\n");
        local = Outbound.startLocal(dir.resolve("local"), "dns.server = " + dns.server() + "\noutbound.port = "
                + remote.smtpPort() + "\n" + extraLocalConf);
    }

    @Test
    void submittedMailArrivesAtTheRemoteServerDkimSignedWithRsaAndEd25519() throws Exception {
        Path config = dir.resolve("local/config");
        DkimKey rsa = DkimKey.generate("example.test", "mail", DkimKey.Type.RSA);
        DkimKey ed = DkimKey.generate("example.test", "ed", DkimKey.Type.ED25519);
        rsa.write(config);
        ed.write(config);
        dns.txt("mail._domainkey.example.test", rsa.txtRecord());
        dns.txt("ed._domainkey.example.test", ed.txtRecord());
        startBoth("");

        Outbound.submit(local, "alice@example.test", "dave@remote.test", "Hello remote",
                "Line one\n.leading dot\n\n  spaced   line  \n");

        Await.until("message at dave", WAIT, () -> remote.messages("dave@remote.test").size() == 1);
        String got = remote.messages("dave@remote.test").get(0);
        assertThat(got).contains("Subject: Hello remote").contains(".leading dot");
        assertThat(got).contains("a=rsa-sha256").contains("a=ed25519-sha256");
        Await.until("queue empty", WAIT, () -> envelopes(local).isEmpty());

        List<Event.DeliveryAttempt> attempts = local.events(Event.DeliveryAttempt.class);
        assertThat(attempts).singleElement().satisfies(a -> {
            assertThat(a.result()).isEqualTo("delivered");
            assertThat(a.code()).isEqualTo(250);
            assertThat(a.host()).startsWith("mx.remote.test[127.0.0.1]:");
            assertThat(EventLog.format(a)).matches("event=delivery-attempt id=\\S+ rcpt=dave@remote.test "
                    + "host=\\S+ result=delivered code=250 detail=\".*\"");
        });

        // an independent verifier: dkimpy, asking our DNS server for the keys
        Path msg = dir.resolve("received.eml");
        Files.writeString(msg, got);
        String script = """
                import dkim, dns.message, dns.query, re, sys
                def dnsfunc(name, timeout=5):
                    q = dns.message.make_query(name.decode() if isinstance(name, bytes) else name, 'TXT')
                    r = dns.query.udp(q, '127.0.0.1', port=%d, timeout=timeout)
                    for rrset in r.answer:
                        for rd in rrset:
                            return b''.join(rd.strings)
                    return None
                msg = open('%s', 'rb').read().replace(b'\\r\\n', b'\\n').replace(b'\\n', b'\\r\\n')
                n = len(re.findall(rb'(?im)^dkim-signature:', msg))
                d = dkim.DKIM(msg)
                for i in range(n):
                    print('sig', i, d.verify(idx=i, dnsfunc=dnsfunc))
                """.formatted(dns.port(), msg);
        // Debian's python3-dkim lives in the system Python, not in a pyenv or venv python3 earlier in PATH
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Processes.Result r = Processes.run(List.of(python, "-c", script), null, 60);
        assertThat(r.output()).contains("sig 0 True").contains("sig 1 True").doesNotContain("False");
    }

    @Test
    void temporaryFailureIsRetriedWithBackoffThenDelivered() throws Exception {
        try (ScriptedReceiver rx = new ScriptedReceiver()) {
            rx.rcptReply = n -> n == 1 ? "451 4.2.0 greylisted, try again later" : "250 2.1.5 ok";
            local = Outbound.startLocal(dir.resolve("local"), "dns.server = " + dns.server() + "\noutbound.port = "
                    + rx.port() + "\n");
            Outbound.submit(local, "alice@example.test", "dave@remote.test", "Retry me", "body\n");

            Await.until("delivered on retry", WAIT, () -> rx.accepted.size() == 1);
            assertThat(rx.connections.get()).isGreaterThanOrEqualTo(2);
            assertThat(rx.accepted.get(0).data()).contains("Subject: Retry me");
            Await.until("queue empty", WAIT, () -> envelopes(local).isEmpty());
            List<String> results = local.events(Event.DeliveryAttempt.class).stream()
                    .map(a -> a.result() + " " + a.code()).toList();
            assertThat(results).containsExactly("deferred 451", "delivered 250");
            assertThat(local.messages("alice@example.test")).isEmpty(); // no bounce for a temporary failure
        }
    }

    @Test
    void permanentFailureBouncesADsnToTheSender() throws Exception {
        startBoth("");
        Outbound.submit(local, "alice@example.test", "nobody@remote.test", "Doomed", "body\n");

        Await.until("bounce at alice", WAIT, () -> local.messages("alice@example.test").size() == 1);
        String dsn = local.messages("alice@example.test").get(0);
        assertThat(dsn).contains("Return-Path: <>")
                .contains("Content-Type: multipart/report; report-type=delivery-status")
                .contains("Content-Type: message/delivery-status")
                .contains("Reporting-MTA: dns; mx.example.test")
                .contains("Final-Recipient: rfc822; nobody@remote.test")
                .contains("Action: failed")
                .contains("Status: 5.1.1")
                .contains("Remote-MTA: dns; mx.remote.test")
                .contains("Diagnostic-Code: smtp; 550 5.1.1")
                .contains("Content-Type: text/rfc822-headers")
                .contains("Subject: Doomed");
        Await.until("queue empty", WAIT, () -> envelopes(local).isEmpty());
        assertThat(local.events(Event.DeliveryAttempt.class)).anySatisfy(a -> {
            assertThat(a.rcpt()).isEqualTo("nobody@remote.test");
            assertThat(a.result()).isEqualTo("failed");
            assertThat(a.code()).isEqualTo(550);
        });
        assertThat(remote.messages("dave@remote.test")).isEmpty();
    }

    @Test
    void nullMxFailsAtOnceWithoutConnecting() throws Exception {
        startBoth("");
        Outbound.submit(local, "alice@example.test", "someone@nullmx.test", "To a null MX", "body\n");

        Await.until("bounce at alice", WAIT, () -> local.messages("alice@example.test").size() == 1);
        String dsn = local.messages("alice@example.test").get(0);
        assertThat(dsn).contains("Final-Recipient: rfc822; someone@nullmx.test").contains("Status: 5.1.10")
                .contains("null MX");
        assertThat(local.events(Event.DeliveryAttempt.class)).anySatisfy(a -> {
            assertThat(a.result()).isEqualTo("failed");
            assertThat(a.code()).isEqualTo(556);
            assertThat(a.host()).isEqualTo("-");
        });
        assertThat(dns.queries).noneMatch(q -> q.contains(" A") && q.contains("nullmx"));
    }

    @Test
    void relayHostWithAuthCarriesMailForDomainsWithoutDns() throws Exception {
        remote = Outbound.startRemote(dir.resolve("remote"), "dns.server = " + dns.server()
                + "\nspoof-protection = 0\n");
        local = Outbound.startLocal(dir.resolve("local"), "dns.server = " + dns.server()
                + "\nrelay.host = [127.0.0.1]:" + remote.submissionPort()
                + "\nrelay.user = dave@remote.test\nrelay.password = secret-dave\nrelay.tls-verify = 0\n");
        // remote.test's MX is not consulted: the relay takes everything
        Outbound.submit(local, "alice@example.test", "dave@remote.test", "Via the smarthost", "body\n");

        Await.until("message at dave", WAIT, () -> remote.messages("dave@remote.test").size() == 1);
        assertThat(remote.messages("dave@remote.test").get(0)).contains("Subject: Via the smarthost");
        assertThat(remote.events(Event.AuthSuccess.class)).anySatisfy(a ->
                assertThat(a.user()).isEqualTo("dave@remote.test"));
        Await.until("attempt logged", WAIT, () -> !local.events(Event.DeliveryAttempt.class).isEmpty());
        assertThat(local.events(Event.DeliveryAttempt.class)).singleElement().satisfies(a ->
                assertThat(a.host()).isEqualTo("127.0.0.1[127.0.0.1]:" + remote.submissionPort()));
        assertThat(dns.queries).noneMatch(q -> q.startsWith("remote.test"));
    }

    @Test
    void relayMapSendsOneDomainToItsOwnHost() throws Exception {
        try (ScriptedReceiver rx = new ScriptedReceiver()) {
            startBoth("");
            Files.writeString(dir.resolve("local/config/postfix-relaymap.cf"),
                    "# per-domain relays\n@mapped.test [127.0.0.1]:" + rx.port() + "\n");
            Outbound.submit(local, "alice@example.test", "someone@mapped.test", "Mapped", "body\n");
            Await.until("at the mapped relay", WAIT, () -> rx.accepted.size() == 1);
            assertThat(rx.accepted.get(0).rcpts()).containsExactly("<someone@mapped.test>");
        }
    }

    @Test
    void entriesSpooledInTheOldFormatAreDelivered() throws Exception {
        Path q = dir.resolve("local/state/queue");
        Files.createDirectories(q);
        Files.writeString(q.resolve("OLDSPOOL0001.eml"), "From: alice@example.test\r\nSubject: spooled before\r\n\r\nold\r\n");
        Files.writeString(q.resolve("OLDSPOOL0001.env"), "from <alice@example.test>\nto <dave@remote.test>\n");
        startBoth("");
        Await.until("old entry delivered", WAIT, () -> remote.messages("dave@remote.test").size() == 1);
        assertThat(remote.messages("dave@remote.test").get(0)).contains("Subject: spooled before");
        Await.until("queue empty", WAIT, () -> envelopes(local).isEmpty());
    }

    @Test
    void queueRetryFromTheCliIsNoticedByTheRunningServer() throws Exception {
        try (ScriptedReceiver rx = new ScriptedReceiver()) {
            rx.rcptReply = n -> n == 1 ? "421 4.7.0 busy" : "250 2.1.5 ok";
            Path localDir = dir.resolve("local");
            local = Outbound.startLocal(localDir, "dns.server = " + dns.server() + "\noutbound.port = " + rx.port()
                    + "\nqueue.retry-initial = 1h\n");
            Outbound.submit(local, "alice@example.test", "dave@remote.test", "Retry by hand", "body\n");
            Await.until("deferred", WAIT, () -> !local.events(Event.DeliveryAttempt.class).isEmpty());
            String id = local.events(Event.DeliveryAttempt.class).get(0).id();
            Await.until("state written", WAIT, () -> {
                try {
                    return new QueueDir(localDir.resolve("state/queue")).load(id).orElseThrow().attempts() == 1;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertThat(rx.accepted).isEmpty();
            assertThat(org.mailwarden.cli.Main.run("queue", "retry", id, "--data-dir", localDir.toString())).isZero();
            Await.until("delivered after queue retry", WAIT, () -> rx.accepted.size() == 1);
        }
    }

    @Test
    void delayNoticeThenBounceWhenTheMaxAgeIsReached() throws Exception {
        try (ScriptedReceiver rx = new ScriptedReceiver()) {
            rx.rcptReply = n -> "451 4.3.2 not now";
            local = Outbound.startLocal(dir.resolve("local"), "dns.server = " + dns.server() + "\noutbound.port = "
                    + rx.port() + "\nqueue.delay-warning = 300ms\nqueue.max-age = 2s\n");
            Outbound.submit(local, "alice@example.test", "dave@remote.test", "Slow one", "body\n");
            Await.until("delay notice and bounce", WAIT, () -> local.messages("alice@example.test").size() == 2);
            Await.until("queue empty", WAIT, () -> envelopes(local).isEmpty());
            List<String> notices = local.messages("alice@example.test");
            assertThat(notices).hasSize(2);
            assertThat(notices).anySatisfy(m -> assertThat(m).contains("Action: delayed").contains("Status: 4.3.2")
                    .contains("Will-Retry-Until:").contains("Subject: Slow one"));
            assertThat(notices).anySatisfy(m -> assertThat(m).contains("Action: failed")
                    .contains("delivery time expired").contains("Subject: Slow one"));
            assertThat(rx.accepted).isEmpty();
        }
    }

    static List<Path> envelopes(TestServer t) {
        try {
            return t.queueEnvelopes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
