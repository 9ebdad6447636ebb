package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.queue.QueueDir;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.smtp.Reply;
import org.mailwarden.support.Await;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * A queued delivery is judged with the origin the message came with: the client IP, HELO and listener of the SMTP
 * session are recorded in the queue entry, so a step on a retry (SPF, DMARC) sees them, not a bare queue id. Entries
 * written without the record still load.
 */
class QueueRetryOriginTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    /** Defers carol while {@code defer}; notes every origin it sees for a queue delivery. */
    static final class Watching implements DeliveryStep {
        volatile boolean defer = true;
        final List<Origin> fromQueue = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "watching";
        }

        @Override
        public Judgement judge(MessageView message, Envelope envelope) {
            if (message.origin().protocol().equals("queue")) {
                fromQueue.add(message.origin());
            }
            Judgement j = Judgement.NONE;
            for (Recipient r : envelope.recipients()) {
                if (defer && r.account().equals("carol@example.test")) {
                    j = j.with(r, new Verdict.Defer(new Reply(451, "4.7.1", "later")));
                }
            }
            return j;
        }
    }

    @Test
    void aRetryIsJudgedWithTheOriginalClientIpAndHelo() throws Exception {
        TestServer t = server.get();
        Watching step = new Watching();
        t.server.delivery().register(step);
        List<String> replies = Smtp.send(t.smtpPort(), "sender@remote.test",
                List.of("alice@example.test", "carol@example.test"), "retry", "body");
        String id = replies.getLast().substring("250 2.0.0 Ok: queued as ".length());
        QueueDir q = t.server.queue().queueDir();
        assertThat(q.load(id).orElseThrow().received()).isEqualTo(
                new QueueEntry.Received("smtp", "smtp", "127.0.0.1", "client.remote.test", null));

        // the agent tries carol at once (deferred again, then backs off); after that attempt is saved, she may pass
        Await.until("the queue's first attempt", Duration.ofSeconds(30), () -> backedOff(q, id));
        step.defer = false;
        q.save(q.load(id).orElseThrow().withNextAttempt(Instant.now()));
        Await.until("carol delivered from the queue", Duration.ofSeconds(30),
                () -> t.messages("carol@example.test").size() == 1);
        assertThat(step.fromQueue).isNotEmpty().allSatisfy(o -> {
            assertThat(o.clientIp()).isEqualTo(InetAddress.getByName("127.0.0.1"));
            assertThat(o.helo()).isEqualTo("client.remote.test");
            assertThat(o.listener()).isEqualTo("smtp");
            assertThat(o.login()).isNull();
            assertThat(o.messageId()).isEqualTo(id);
        });
    }

    /** The agent's attempt is over and saved: it counted one and set the next one in the future. */
    private static boolean backedOff(QueueDir q, String id) {
        try {
            return q.load(id).filter(e -> e.attempts() >= 1 && e.nextAttempt().isAfter(Instant.now())).isPresent();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void anEntryWithoutTheRecordLoadsWithNoOrigin() throws Exception {
        QueueDir q = server.get().server.queue().queueDir();
        Files.createDirectories(q.dir());
        Files.writeString(q.messageFile("OLD1"), "Subject: old\r\n\r\nold\r\n");
        Files.writeString(q.dir().resolve("OLD1.env"), "from <a@remote.test>\nto <b@remote.test>\n");
        QueueEntry e = q.load("OLD1").orElseThrow();
        assertThat(e.received()).isNull();
        assertThat(Origin.queue(e.id(), e.received())).isEqualTo(Origin.queue("OLD1"));
        // a line this version cannot read is no origin either, and no failure
        Files.writeString(q.dir().resolve("OLD1.env"), "from <a@remote.test>\nto <b@remote.test>\nreceived odd\n");
        assertThat(q.load("OLD1").orElseThrow().received()).isNull();
        q.delete("OLD1");
    }
}
