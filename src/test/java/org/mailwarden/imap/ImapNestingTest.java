package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/**
 * Nesting a client or a sender controls (SEARCH keys, parenthesised lists, MIME parts, address comments) is
 * bounded: too deep gets BAD, or a structure cut off at the limit, never a lost session.
 */
class ImapNestingTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private ImapClient selected() throws Exception {
        ImapProtocolTest.deliver(server.get(), "alice@example.test", "one", "hello");
        return select(1);
    }

    private ImapClient select(int messages) throws Exception {
        ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
        assertThat(c.command("SELECT INBOX")).contains("* " + messages + " EXISTS");
        return c;
    }

    @Test
    void deepSearchKeysGetBad() throws Exception {
        try (ImapClient c = selected()) {
            for (String deep : List.of("(".repeat(9000) + "ALL" + ")".repeat(9000), "NOT ".repeat(9000) + "ALL",
                    "OR ALL ".repeat(9000) + "ALL", "UID 1 " + "(NOT ".repeat(4000) + "SEEN" + ")".repeat(4000))) {
                List<String> r = c.command("SEARCH " + deep);
                assertThat(r).hasSize(1);
                assertThat(r.getLast()).matches("a\\d+ BAD .*(deep|nest).*");
            }
            // nesting within the limit still works
            assertThat(c.command("SEARCH " + "(".repeat(30) + "NOT DELETED" + ")".repeat(30)))
                    .containsExactly("* SEARCH 1", "a7 OK SEARCH completed");
            assertThat(c.command("SEARCH " + "NOT ".repeat(30) + "ALL").getLast()).endsWith("OK SEARCH completed");
        }
    }

    @Test
    void deepParenthesisedListsGetBad() throws Exception {
        try (ImapClient c = selected()) {
            String deep = "(".repeat(9000) + ")".repeat(9000);
            assertThat(c.command("CREATE Box (USE " + deep + ")").getLast()).matches("a\\d+ BAD .*(deep|nest).*");
            assertThat(c.command("LIST \"\" * RETURN (STATUS " + deep + ")").getLast())
                    .matches("a\\d+ BAD .*(deep|nest).*");
            assertThat(c.command("NOOP").getLast()).endsWith("OK NOOP completed");
        }
    }

    @Test
    void deeplyNestedMimeIsCutOffAtTheLimit() throws Exception {
        int depth = 5000;
        StringBuilder m = new StringBuilder("From: a@example.test\nSubject: deep\n");
        for (int i = 0; i < depth; i++) {
            m.append("Content-Type: multipart/mixed; boundary=\"b").append(i).append("x\"\n\n--b").append(i)
                    .append("x\n");
        }
        m.append("Content-Type: text/plain\n\ninnermost\n");
        for (int i = depth - 1; i >= 0; i--) {
            m.append("--b").append(i).append("x--\n");
        }
        StringBuilder r = new StringBuilder("From: a@example.test\nSubject: rfc822\n");
        for (int i = 0; i < depth; i++) {
            r.append("Content-Type: message/rfc822\n\n");
        }
        r.append("Subject: innermost\n\nbody\n");
        Path inbox = server.get().inbox("alice@example.test");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("1700000001.M1P1.mx.example.test"), m);
        Files.writeString(inbox.resolve("1700000002.M2P1.mx.example.test"), r);
        try (ImapClient c = select(2)) {
            for (String item : List.of("BODYSTRUCTURE", "BODY", "BODY.PEEK[1.1.1.1]", "ENVELOPE", "BODY.PEEK[TEXT]")) {
                List<String> f = c.command("FETCH 1:2 " + item);
                assertThat(f.getLast()).endsWith("OK FETCH completed");
                assertThat(f).hasSize(3);
                assertThat(f.get(1)).startsWith("* 2 FETCH (");
            }
            List<String> bs = c.command("FETCH 1 BODYSTRUCTURE");
            long open = bs.getFirst().chars().filter(ch -> ch == '(').count();
            assertThat(open).isBetween(50L, 500L);
            assertThat(c.command("FETCH 1 BODY.PEEK[1.1]").getFirst()).contains("--b2x\r\n");
        }
    }

    @Test
    void deeplyNestedAddressCommentsStillGiveAnEnvelope() throws Exception {
        String from = "From: " + "(".repeat(20000) + "x" + ")".repeat(20000) + " <a@example.test>\n";
        String to = "To: g1: g2: " + "<".repeat(5000) + "b@example.test" + ">".repeat(5000) + ";;\n";
        Path inbox = server.get().inbox("alice@example.test");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("1700000001.M1P1.mx.example.test"), from + to + "Subject: c\n\nbody\n");
        try (ImapClient c = select(1)) {
            List<String> f = c.command("FETCH 1 ENVELOPE");
            assertThat(f.getLast()).endsWith("OK FETCH completed");
            assertThat(f.getFirst()).startsWith("* 1 FETCH (ENVELOPE (");
        }
    }
}
