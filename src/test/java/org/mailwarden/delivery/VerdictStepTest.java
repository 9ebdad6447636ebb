package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.queue.QueueDir;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.smtp.Reply;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * Steps a test registers after the server's own, judging real messages sent over port 25: a refusal and a deferral
 * for some recipients of several, the reply when all are refused or deferred, and a header field that IMAP shows.
 */
class VerdictStepTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ALICE = "alice@example.test";
    private static final String BOB = "bob@example.test";
    private static final String CAROL = "carol@example.test";

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    /** Refuses bob, defers carol while {@code deferCarol}; notes "protocol account" of every recipient it judged. */
    static final class PickyStep implements DeliveryStep {
        volatile boolean deferCarol = true;
        final List<String> judged = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "picky";
        }

        @Override
        public Judgement judge(MessageView message, Envelope envelope) {
            Judgement j = Judgement.NONE;
            for (Recipient r : envelope.recipients()) {
                judged.add(message.origin().protocol() + " " + r.account());
                if (r.account().equals(BOB)) {
                    j = j.with(r, new Verdict.Refuse(new Reply(550, "5.7.1", "bob does not want it")));
                } else if (r.account().equals(CAROL) && deferCarol) {
                    j = j.with(r, new Verdict.Defer(new Reply(451, "4.7.1", "carol later")));
                }
            }
            return j;
        }
    }

    private QueueDir queue() {
        return server.get().server.queue().queueDir();
    }

    private List<String> ids() {
        try {
            return queue().ids();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String idOf(String reply) {
        assertThat(reply).startsWith("250 2.0.0 Ok: queued as ");
        return reply.substring("250 2.0.0 Ok: queued as ".length());
    }

    private QueueEntry entry(String id) {
        try {
            return queue().load(id).orElseThrow(() -> new AssertionError("no queue entry " + id));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static QueueEntry.Recipient rcpt(QueueEntry e, String address) {
        return e.recipients().stream().filter(r -> r.address().equals(address)).findFirst().orElseThrow();
    }

    @Test
    void aStepRefusesOneRecipientAndDefersAnotherOfThree() throws Exception {
        TestServer t = server.get();
        PickyStep step = new PickyStep();
        t.server.delivery().register(step);

        List<String> replies = Smtp.send(t.smtpPort(), "sender@remote.test", List.of(ALICE, BOB, CAROL), "three",
                "for three");
        assertThat(replies.subList(0, 3)).allMatch(r -> r.startsWith("250 2.1.5"));
        String id = idOf(replies.getLast()); // mixed: 250, the others wait in the queue
        assertThat(t.messages(ALICE)).singleElement().asString().contains("for three");
        assertThat(t.messages(BOB)).isEmpty();
        assertThat(t.messages(CAROL)).isEmpty();
        // judged once each on arrival (the queue may already have retried carol: she was deferred)
        assertThat(List.copyOf(step.judged).subList(0, 3)).containsExactly("smtp " + ALICE, "smtp " + BOB, "smtp " + CAROL);

        // the queue entry is the commit record: alice done inline, bob failed (reported), carol pending
        QueueEntry record = entry(id);
        assertThat(rcpt(record, ALICE).status()).isEqualTo(QueueEntry.Status.DELIVERED);
        assertThat(rcpt(record, CAROL).status()).isEqualTo(QueueEntry.Status.PENDING);
        assertThat(rcpt(record, BOB).status()).isEqualTo(QueueEntry.Status.FAILED);
        assertThat(rcpt(record, BOB).detail()).isEqualTo("550 5.7.1 bob does not want it");

        // bob is reported to the sender by the queue's bounce path: a DSN queued for sender@remote.test
        Await.until("bob reported", WAIT, () -> rcpt(entry(id), BOB).notified());
        List<String> others = queue().ids().stream().filter(x -> !x.equals(id)).toList();
        assertThat(others).singleElement().satisfies(bounce -> {
            assertThat(entry(bounce).sender()).isEmpty();
            assertThat(entry(bounce).recipients()).extracting(QueueEntry.Recipient::address)
                    .containsExactly("sender@remote.test");
            assertThat(Files.readString(queue().messageFile(bounce))).contains("<bob@example.test>: 550 5.7.1 bob "
                    + "does not want it").contains("Subject: three");
        });

        // carol is retried through the pipeline, from the queue; once the step lets her mail through, she has it
        step.deferCarol = false;
        queue().save(entry(id).withNextAttempt(Instant.now()));
        Await.until("carol delivered from the queue", WAIT, () -> t.messages(CAROL).size() == 1);
        assertThat(step.judged).contains("queue " + CAROL).doesNotContain("queue " + ALICE, "queue " + BOB);
        Await.until("the record is done", WAIT, () -> !ids().contains(id));
        assertThat(t.messages(CAROL).getFirst()).contains("for three").contains("Subject: three");
        assertThat(t.messages(ALICE)).hasSize(1);
        assertThat(t.messages(BOB)).isEmpty();
    }

    @Test
    void whenEveryRecipientIsRefusedOrDeferredTheDataGetsThatReply() throws Exception {
        TestServer t = server.get();
        t.server.delivery().register(new DeliveryStep() {
            @Override
            public String name() {
                return "by-subject";
            }

            @Override
            public Judgement judge(MessageView message, Envelope envelope) throws IOException {
                String subject = message.header().first("Subject").orElse("");
                return switch (subject) {
                    case "refuse me" -> Judgement.all(envelope, new Verdict.Refuse(new Reply(554, "5.7.0", "no")));
                    case "defer me" -> Judgement.all(envelope, new Verdict.Defer(new Reply(450, "4.7.0", "later")));
                    case "refuse bob defer alice" -> Judgement.NONE
                            .with(new Recipient(ALICE, ALICE), new Verdict.Defer(new Reply(450, "4.7.0", "later")))
                            .with(new Recipient(BOB, BOB), new Verdict.Refuse(new Reply(554, "5.7.0", "no")));
                    default -> Judgement.NONE;
                };
            }
        });
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of(ALICE, BOB), "refuse me", "x").getLast())
                .isEqualTo("554 5.7.0 no");
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of(ALICE, BOB), "defer me", "x").getLast())
                .isEqualTo("450 4.7.0 later");
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of(ALICE), "defer me", "x").getLast())
                .isEqualTo("450 4.7.0 later");
        // nothing delivered and one deferral: the client retries it all later
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of(ALICE, BOB), "refuse bob defer alice", "x")
                .getLast()).isEqualTo("450 4.7.0 later");
        assertThat(t.messages(ALICE)).isEmpty();
        assertThat(t.messages(BOB)).isEmpty();
        assertThat(t.queueEnvelopes()).isEmpty();
        assertThat(files(t.server.queue().queueDir().tmp())).isEmpty();
        assertThat(files(t.server.store().mailboxDir(ALICE).resolve("tmp"))).isEmpty();
        // and the step's word counts for the next message only
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of(ALICE), "fine", "x").getLast())
                .startsWith("250 2.0.0");
        assertThat(t.messages(ALICE)).hasSize(1);
    }

    /** Adds a field naming what the step read: the origin, the size, the octets it streamed and the subject. */
    static final class StampStep implements DeliveryStep {
        @Override
        public String name() {
            return "stamp";
        }

        @Override
        public Judgement judge(MessageView message, Envelope envelope) throws IOException {
            long read = 0;
            boolean crlf = true;
            int previous = -1;
            try (InputStream in = message.open()) {
                int c;
                while ((c = in.read()) >= 0) {
                    crlf &= c != '\n' || previous == '\r';
                    previous = c;
                    read++;
                }
            }
            String subject = message.header().first("Subject").orElse("?");
            return Judgement.NONE.adding(new HeaderField("X-Verdict", message.origin().protocol() + " size="
                    + message.size() + " read=" + read + " crlf=" + crlf + " rcpts=" + envelope.recipients().size()
                    + "\r\n\tsubject=" + subject));
        }
    }

    @Test
    void aFieldAddedByAStepIsInTheDeliveredCopiesAsImapShowsThem() throws Exception {
        TestServer t = server.get();
        t.server.delivery().register(new StampStep());
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of(ALICE), "one", "line one\r\nline two")
                .getLast()).startsWith("250 2.0.0");
        // two mailboxes: the record path, the copy (fields + spool) linked into both
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("team@example.test"), "two", "for the team")
                .getLast()).startsWith("250 2.0.0");
        assertThat(t.queueEnvelopes()).isEmpty();

        try (ImapClient c = ImapClient.loggedIn(t.imapsPort(), ALICE, "secret-alice")) {
            c.command("SELECT INBOX");
            String one = String.join("\n", ImapClient.untagged(c.command("FETCH 1 BODY[HEADER]")));
            String two = String.join("\n", ImapClient.untagged(c.command("FETCH 2 BODY[HEADER]")));
            for (String[] h : new String[][] {{one, "one", "1"}, {two, "two", "2"}}) {
                // Return-Path first, then the step's field (folded as the step gave it), then our Received
                assertThat(h[0]).containsPattern("\\{\\d+}\r\nReturn-Path: <s@remote.test>\r\nX-Verdict: smtp "
                        + "size=(\\d+) read=\\1 crlf=true rcpts=" + h[2] + "\r\n\tsubject=" + h[1]
                        + "\r\nReceived: from ");
                assertThat(h[0]).contains("Subject: " + h[1]);
            }
            assertThat(String.join("\n", c.command("FETCH 1 BODY[TEXT]"))).contains("line one\r\nline two");
        }
        try (ImapClient c = ImapClient.loggedIn(t.imapsPort(), BOB, "secret-bob")) {
            c.command("SELECT INBOX");
            assertThat(String.join("\n", c.command("FETCH 1 BODY[HEADER]"))).contains("X-Verdict: smtp size=")
                    .contains("subject=two");
        }
        Object bobs = Files.getAttribute(files(t.inbox(BOB).getParent().resolve("cur")).getFirst(), "unix:ino");
        assertThat(files(t.inbox(ALICE).getParent().resolve("cur"))).hasSize(2)
                .anySatisfy(a -> assertThat(Files.getAttribute(a, "unix:ino")).isEqualTo(bobs));
        assertThat(files(t.server.store().mailboxDir(ALICE).resolve("tmp"))).isEmpty();
    }

    static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
