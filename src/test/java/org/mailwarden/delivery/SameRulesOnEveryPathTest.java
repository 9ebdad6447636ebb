package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.directory.Resolution;
import org.mailwarden.events.Event;
import org.mailwarden.queue.QueueDir;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * A restricted account (postfix-receive-access.cf) and a full one (dovecot-quotas.cf) are refused the same way
 * whichever way mail comes: at RCPT on port 25 and on submission, and by the queue's local delivery, which runs the
 * same pipeline (here a forward through postfix-virtual.cf whose domain has become local by the time it is
 * delivered).
 */
class SameRulesOnEveryPathTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DENIED = "554 5.7.1 Recipient address rejected: Access denied";

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(dir -> {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("postfix-receive-access.cf"), "bob@example.test REJECT\n");
        return TestServer.start(dir);
    });

    @Test
    void aRestrictedOrFullAccountIsRefusedAtRcptOnPort25AndOnSubmission() throws Exception {
        TestServer t = server.get();
        // carol is full: a message of hers, then a limit below what she holds
        fill(t);
        t.writeConfig("dovecot-quotas.cf", "carol@example.test:1K\n");
        awaitCarolFull(t);

        List<String> port25 = Smtp.send(t.smtpPort(), "s@remote.test",
                List.of("bob@example.test", "carol@example.test", "team@example.test"), "hello", "x");
        assertThat(port25).containsExactly(DENIED, "552 5.2.2 Mailbox is full", "250 2.1.5 Ok", port25.getLast());
        assertThat(port25.getLast()).startsWith("250 2.0.0"); // team@ -> alice, bob: alice only
        assertThat(t.messages("alice@example.test")).hasSize(1);
        assertThat(t.messages("bob@example.test")).isEmpty();

        try (SmtpClient c = new SmtpClient(t.submissionPort())) {
            c.read();
            c.cmd("EHLO laptop.example.test");
            c.startTls();
            c.cmd("EHLO laptop.example.test");
            assertThat(c.authPlain("alice@example.test", "secret-alice")).startsWith("235 ");
            assertThat(c.cmd("MAIL FROM:<alice@example.test>")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<bob@example.test>")).isEqualTo(DENIED);
            assertThat(c.cmd("RCPT TO:<carol@example.test>")).isEqualTo("552 5.2.2 Mailbox is full");
        }
        assertThat(t.queueEnvelopes()).isEmpty();
    }

    @Test
    void theQueueRefusesARestrictedAccountAndAFullOneTheSameWay() throws Exception {
        TestServer t = server.get();
        // mail for fwd@ is forwarded to other.test, which is not ours yet: it waits in the queue (no DNS here)
        t.writeConfig("postfix-virtual.cf", "fwd@example.test dave@other.test,erin@other.test\n");
        Await.until("alias loaded", WAIT, () -> t.server.directory().resolve("fwd@example.test")
                instanceof Resolution.Deliver d && d.forwards().size() == 2);
        String id = Smtp.send(t.smtpPort(), "sender@remote.test", List.of("fwd@example.test"), "via the queue",
                "forwarded").getLast().substring("250 2.0.0 Ok: queued as ".length());
        Await.until("the first attempt", WAIT, () -> t.events(Event.DeliveryAttempt.class).size() == 2);
        assertThat(t.events(Event.DeliveryAttempt.class)).allMatch(a -> a.result().equals("deferred"));

        // other.test moves in: dave is bob (restricted), erin is carol (full); then the entry is retried
        fill(t);
        t.writeConfig("dovecot-quotas.cf", "carol@example.test:1K\n");
        t.writeConfig("postfix-virtual.cf", """
                fwd@example.test dave@other.test,erin@other.test
                dave@other.test bob@example.test
                erin@other.test carol@example.test
                """);
        Await.until("other.test is local", WAIT, () -> t.server.directory().resolve("erin@other.test")
                instanceof Resolution.Deliver d && d.mailboxes().contains("carol@example.test"));
        awaitCarolFull(t);
        QueueDir q = t.server.queue().queueDir();
        q.save(q.load(id).orElseThrow().withNextAttempt(Instant.now()));

        Await.until("the second attempt", WAIT, () -> t.events(Event.DeliveryAttempt.class).size() == 4);
        List<Event.DeliveryAttempt> second = t.events(Event.DeliveryAttempt.class).subList(2, 4);
        assertThat(second).anySatisfy(a -> {
            assertThat(a.rcpt()).isEqualTo("dave@other.test");
            assertThat(a.result()).isEqualTo("failed");
            assertThat(a.detail()).isEqualTo(DENIED);
        });
        assertThat(second).anySatisfy(a -> {
            assertThat(a.rcpt()).isEqualTo("erin@other.test");
            assertThat(a.result()).isEqualTo("failed");
            assertThat(a.detail()).isEqualTo("552 5.2.2 Mailbox is full");
        });
        assertThat(t.messages("bob@example.test")).isEmpty();
        assertThat(t.messages("carol@example.test")).singleElement().asString().contains("Subject: fill");
        // both refusals go back to the sender in one DSN, through the queue's bounce path
        Await.until("bounce queued", WAIT, () -> ids(q).stream().anyMatch(x -> !x.equals(id)));
        String bounce = ids(q).stream().filter(x -> !x.equals(id)).findFirst().orElseThrow();
        assertThat(Files.readString(q.messageFile(bounce))).contains("<dave@other.test>: 554 5.7.1 Recipient address "
                + "rejected: Access denied").contains("<erin@other.test>: 552 5.2.2 Mailbox is full");
    }

    /** A message for carol of about 2 KiB: over the 1 KiB limit the test then sets. */
    private static void fill(TestServer t) throws IOException {
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("carol@example.test"), "fill",
                ("x".repeat(70) + "\r\n").repeat(30)).getLast()).startsWith("250 2.0.0");
    }

    private static void awaitCarolFull(TestServer t) {
        String carol = "carol@example.test";
        Await.until("carol's limit loaded", WAIT, () -> t.server.delivery().admit(Origin.queue("-"), "", carol,
                Set.of(carol), Set.of()) instanceof DeliveryPipeline.Admission.Refuse);
    }

    private static List<String> ids(QueueDir q) {
        try {
            return q.ids();
        } catch (IOException e) {
            return List.of();
        }
    }
}
