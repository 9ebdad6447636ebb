package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.directory.Resolution;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.smtp.Reply;
import org.mailwarden.support.Await;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * Forwards through aliases (to outside addresses) are judged with the message: the steps see them in
 * {@link Envelope#forwards}, a refusal of the whole message (a future DMARC reject) stops them as it stops the local
 * copies, also when the alias forwards only, and a step may refuse the forwards alone, which then bounce.
 */
class ForwardsJudgedTest {

    private static final Reply REJECT = new Reply(550, "5.7.1", "rejected by policy");

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    /** Refuses every message whose Subject has "reject" (all of it), or only its forwards ("no forwards"). */
    static final class Policy implements DeliveryStep {
        final List<List<String>> forwardsSeen = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "policy";
        }

        @Override
        public Judgement judge(MessageView message, Envelope envelope) throws java.io.IOException {
            forwardsSeen.add(envelope.forwards());
            String subject;
            try (var in = message.open()) {
                subject = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.US_ASCII);
            }
            if (subject.contains("Subject: reject")) {
                return Judgement.all(envelope, new Verdict.Refuse(REJECT));
            }
            if (subject.contains("Subject: no forwards")) {
                return Judgement.NONE.withForwards(new Verdict.Refuse(REJECT));
            }
            return Judgement.NONE;
        }
    }

    private Policy start() throws Exception {
        TestServer t = server.get();
        t.writeConfig("postfix-virtual.cf", """
                out@example.test dave@remote.test
                both@example.test alice@example.test,dave@remote.test
                """);
        Await.until("aliases loaded", Duration.ofSeconds(30), () -> t.server.directory().resolve("both@example.test")
                instanceof Resolution.Deliver d && d.forwards().size() == 1);
        Policy p = new Policy();
        t.server.delivery().register(p);
        return p;
    }

    @Test
    void aRefusalOfTheWholeMessageStopsItsForwards() throws Exception {
        Policy p = start();
        TestServer t = server.get();
        // an alias that only forwards: judged (its queue spool is read), refused, nothing queued
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("out@example.test"), "reject me", "x"))
                .containsExactly("250 2.1.5 Ok", "550 5.7.1 rejected by policy");
        assertThat(p.forwardsSeen).contains(List.of("dave@remote.test"));
        // an alias with a mailbox and a forward: neither gets it
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("both@example.test"), "reject this too", "x"))
                .containsExactly("250 2.1.5 Ok", "550 5.7.1 rejected by policy");
        assertThat(t.messages("alice@example.test")).isEmpty();
        assertThat(t.queueEnvelopes()).isEmpty();
        // not refused: delivered and forwarded (queued: remote.test has no DNS here)
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("both@example.test"), "fine", "x").getLast())
                .startsWith("250 2.0.0");
        assertThat(t.messages("alice@example.test")).hasSize(1);
        assertThat(t.queueEntries()).singleElement().satisfies(e -> assertThat(e.recipients())
                .extracting(QueueEntry.Recipient::address).contains("dave@remote.test"));
    }

    @Test
    void forwardsRefusedAloneBounceWhileTheMailboxGetsItsCopy() throws Exception {
        start();
        TestServer t = server.get();
        String id = Smtp.send(t.smtpPort(), "s@remote.test", List.of("both@example.test"), "no forwards", "x")
                .getLast().substring("250 2.0.0 Ok: queued as ".length());
        assertThat(t.messages("alice@example.test")).hasSize(1);
        var q = t.server.queue().queueDir();
        Await.until("the refused forward reported", Duration.ofSeconds(30), () -> entries(t).stream()
                .anyMatch(e -> !e.id().equals(id) && e.sender().isEmpty()));
        QueueEntry bounce = entries(t).stream().filter(e -> !e.id().equals(id)).findFirst().orElseThrow();
        assertThat(bounce.recipients()).extracting(QueueEntry.Recipient::address).containsExactly("s@remote.test");
        assertThat(Files.readString(q.messageFile(bounce.id()))).contains("<dave@remote.test>: 550 5.7.1 rejected "
                + "by policy");
    }

    @Test
    void theQueueJudgesTheForwardsOfAnAliasItResolvesAndARefusalStopsThem() throws Exception {
        Policy p = start();
        TestServer t = server.get();
        // queued for the alias itself (as a retry or a forward to a local address is): the queue resolves it
        String id = t.server.queue().enqueue("s@remote.test", List.of("out@example.test"),
                "Subject: reject from the queue\r\n\r\nx\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Await.until("the alias refused", Duration.ofSeconds(30), () -> t.events(
                org.mailwarden.events.Event.DeliveryAttempt.class).stream().anyMatch(a -> a.id().equals(id)
                        && a.rcpt().equals("out@example.test") && a.result().equals("failed") && a.code() == 550));
        assertThat(p.forwardsSeen).contains(List.of("dave@remote.test"));
        // no new entry sends it on to dave: the only other entry is the bounce to the sender
        Await.until("bounced", Duration.ofSeconds(30), () -> entries(t).stream().anyMatch(e -> e.sender().isEmpty()));
        assertThat(entries(t)).allSatisfy(e -> assertThat(e.recipients()).extracting(QueueEntry.Recipient::address)
                .doesNotContain("dave@remote.test"));
    }

    private static List<QueueEntry> entries(TestServer t) {
        try {
            return t.queueEntries();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
