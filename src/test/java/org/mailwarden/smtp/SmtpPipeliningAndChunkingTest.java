package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** PIPELINING (RFC 2920) and CHUNKING/BDAT (RFC 3030) with a raw client that sends bursts. */
class SmtpPipeliningAndChunkingTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void ehloAdvertisesTheExtensions() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.send("EHLO client.remote.test\r\n");
            List<String> ehlo = c.reply();
            assertThat(ehlo).extracting(l -> l.substring(4)).contains("PIPELINING", "SIZE 10240000", "8BITMIME",
                    "ENHANCEDSTATUSCODES", "SMTPUTF8", "CHUNKING", "STARTTLS");
            assertThat(ehlo).noneMatch(l -> l.contains("AUTH"));
        }
    }

    @Test
    void aPipelinedTransactionGetsEveryReplyInOrder() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            c.send("MAIL FROM:<sender@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
                    + "RCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("550 5.1.1");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("354");
            // the message, the next transaction and QUIT in one write
            c.send("Subject: one\r\n\r\nfirst\r\n.\r\nMAIL FROM:<sender@remote.test>\r\n"
                    + "RCPT TO:<carol@example.test>\r\nDATA\r\n");
            assertThat(c.read()).startsWith("250 2.0.0 Ok: queued as");
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("354");
            c.send("Subject: two\r\n\r\nsecond\r\n.\r\nQUIT\r\n");
            assertThat(c.read()).startsWith("250 2.0.0");
            assertThat(c.read()).startsWith("221 2.0.0");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString().contains("Subject: one");
        assertThat(server.get().messages("bob@example.test")).singleElement().asString().contains("Subject: one");
        assertThat(server.get().messages("carol@example.test")).singleElement().asString().contains("Subject: two");
    }

    @Test
    void bdatChunksMakeOneMessage() throws Exception {
        String part1 = "Subject: chunked\r\n\r\nfirst part, ";
        String part2 = "second part\r\n.not stuffed\r\n";
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            c.send("MAIL FROM:<sender@remote.test>\r\nRCPT TO:<alice@example.test>\r\n");
            c.send("BDAT " + bytes(part1) + "\r\n" + part1);
            c.send("BDAT " + bytes(part2) + " LAST\r\n" + part2);
            assertThat(c.read()).startsWith("250 2.1.0");
            assertThat(c.read()).startsWith("250 2.1.5");
            assertThat(c.read()).startsWith("250 2.0.0 " + bytes(part1) + " octets");
            assertThat(c.read()).startsWith("250 2.0.0 Ok: queued as");
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains("Subject: chunked\n\nfirst part, second part\n.not stuffed\n");
    }

    @Test
    void bdatWithoutATransactionIsReadAndRefused() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            // the 10 bytes must be consumed, not taken as commands
            c.send("BDAT 10 LAST\r\nNOOP NOOP\n");
            assertThat(c.read()).startsWith("503 5.5.1");
            assertThat(c.cmd("NOOP")).startsWith("250 ");
            c.cmd("MAIL FROM:<sender@remote.test>");
            c.cmd("RCPT TO:<alice@example.test>");
            c.send("BDAT 5\r\nabcde");
            assertThat(c.read()).startsWith("250 ");
            assertThat(c.cmd("DATA")).startsWith("503 5.5.1");
            assertThat(c.cmd("RSET")).startsWith("250 ");
        }
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void bdatOverTheSizeLimitIsRefusedAfterTheLastChunk() throws Exception {
        server.get().close();
        server.start(dir -> TestServer.start(dir.resolve("small"), l -> l.withMaxMessageSize(1024)));
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            c.cmd("MAIL FROM:<sender@remote.test>");
            c.cmd("RCPT TO:<alice@example.test>");
            String chunk = "z".repeat(800);
            c.send("BDAT 800\r\n" + chunk);
            assertThat(c.read()).startsWith("250 ");
            c.send("BDAT 800 LAST\r\n" + chunk);
            assertThat(c.read()).startsWith("552 5.3.4");
            assertThat(c.cmd("NOOP")).startsWith("250 ");
        }
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
