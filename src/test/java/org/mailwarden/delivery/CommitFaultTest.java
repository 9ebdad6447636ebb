package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * I/O errors injected in process at the points of the commit rule for a message with several destinations (team@ is
 * alice and bob): wherever it fails, the client's reply tells the truth and no mailbox gets the message twice, or
 * misses it once it was acknowledged.
 */
class CommitFaultTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ALICE = "alice@example.test";
    private static final String BOB = "bob@example.test";

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    /** Fails at {@code point}, the first {@code times} times it is reached. */
    private static Faults failing(Faults.Point point, int times) {
        AtomicInteger left = new AtomicInteger(times);
        return p -> {
            if (p == point && left.getAndDecrement() > 0) {
                throw new IOException("injected at " + p);
            }
        };
    }

    private String sendToTeam(String subject) throws IOException {
        return Smtp.send(server.get().smtpPort(), "sender@remote.test", List.of("team@example.test"), subject, "body")
                .getLast();
    }

    private void awaitQueueEmpty() {
        Await.until("queue empty", WAIT, () -> {
            try {
                return server.get().queueEnvelopes().isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void aFailedCommitRecordIsA451AndLeavesNothingAnywhere() throws Exception {
        TestServer t = server.get();
        t.server.delivery().faults(failing(Faults.Point.RECORD, 1));
        assertThat(sendToTeam("first try")).startsWith("451 4.3.0");
        assertThat(t.messages(ALICE)).isEmpty();
        assertThat(t.messages(BOB)).isEmpty();
        assertThat(t.queueEnvelopes()).isEmpty();
        assertThat(VerdictStepTest.files(t.server.queue().queueDir().tmp())).isEmpty();
        assertThat(VerdictStepTest.files(t.server.store().mailboxDir(ALICE).resolve("tmp"))).isEmpty();
        assertThat(VerdictStepTest.files(t.server.store().mailboxDir(BOB).resolve("tmp"))).isEmpty();
        assertThat(t.events(Event.StoreFailure.class)).singleElement().extracting(Event.StoreFailure::reason)
                .asString().contains("injected at RECORD");
        // the client sends again: one copy each
        assertThat(sendToTeam("second try")).startsWith("250 2.0.0");
        assertThat(t.messages(ALICE)).singleElement().asString().contains("Subject: second try");
        assertThat(t.messages(BOB)).singleElement().asString().contains("Subject: second try");
        awaitQueueEmpty();
    }

    @Test
    void aLocalCopyThatFailsInlineIsAcknowledgedAndDeliveredByTheQueue() throws Exception {
        TestServer t = server.get();
        t.server.delivery().faults(failing(Faults.Point.MAILBOX, 1)); // the first link fails, the other works
        assertThat(sendToTeam("inline failure")).startsWith("250 2.0.0");
        Await.until("the other copy, from the queue", WAIT, () -> t.messages(ALICE).size() == 1
                && t.messages(BOB).size() == 1);
        awaitQueueEmpty();
        assertThat(t.messages(ALICE)).singleElement().asString().contains("Subject: inline failure");
        assertThat(t.messages(BOB)).singleElement().asString().contains("Subject: inline failure");
        assertThat(t.events(Event.DeliveryAttempt.class)).singleElement().satisfies(a -> {
            assertThat(a.rcpt()).isIn(ALICE, BOB);
            assertThat(a.result()).isEqualTo("delivered");
        });
    }

    @Test
    void aFailureBetweenTheMailboxCommitsAndTheQueueCommitNeitherLosesNorDuplicates() throws Exception {
        TestServer t = server.get();
        // both copies are durable, but the record cannot be marked done: it stays, and the queue's redo finds them
        t.server.delivery().faults(failing(Faults.Point.DONE, 1));
        assertThat(sendToTeam("done failure")).startsWith("250 2.0.0");
        awaitQueueEmpty();
        assertThat(t.messages(ALICE)).singleElement().asString().contains("Subject: done failure");
        assertThat(t.messages(BOB)).singleElement().asString().contains("Subject: done failure");
        assertThat(t.events(Event.DeliveryAttempt.class)).extracting(a -> a.rcpt() + " " + a.result())
                .containsExactlyInAnyOrder(ALICE + " delivered", BOB + " delivered");
        // and with a forward in the same record: the locals once, the forward still queued
        t.writeConfig("postfix-virtual.cf",
                "team@example.test alice@example.test,bob@example.test,friend@elsewhere.test\n");
        Await.until("alias loaded", WAIT, () -> t.server.directory().resolve("team@example.test")
                instanceof org.mailwarden.directory.Resolution.Deliver d && !d.forwards().isEmpty());
        t.server.delivery().faults(failing(Faults.Point.DONE, 1));
        assertThat(sendToTeam("with a forward")).startsWith("250 2.0.0");
        Await.until("the locals recorded done", WAIT, () -> {
            try {
                return t.queueEntries().size() == 1 && t.queueEntries().getFirst().pending().stream()
                        .allMatch(r -> r.address().equals("friend@elsewhere.test"));
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(t.messages(ALICE)).hasSize(2);
        assertThat(t.messages(BOB)).hasSize(2);
    }
}
