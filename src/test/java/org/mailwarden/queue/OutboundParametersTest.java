package org.mailwarden.queue;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.events.Event;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.support.Await;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/**
 * The MAIL FROM parameters of outbound delivery, against a scripted receiver offering chosen extensions: SIZE
 * (RFC 1870), BODY=8BITMIME (RFC 6152) and SMTPUTF8 (RFC 6531), and the permanent failures when the host
 * cannot take the message (too large, or a non-ASCII address without SMTPUTF8).
 */
class OutboundParametersTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SEVEN_BIT = "From: alice@example.test\nTo: dave@remote.test\nSubject: seven\n\nplain\n";
    private static final String EIGHT_BIT_HEADER =
            "From: alice@example.test\nTo: dave@remote.test\nSubject: Grüße im Kopf\n\nplain\n";
    private static final String EIGHT_BIT_BODY =
            "From: alice@example.test\nTo: dave@remote.test\nSubject: body\n\nGrüße im Text\n";

    @TempDir
    Path dir;
    TestDns dns;
    ScriptedReceiver rx;
    TestServer local;

    @BeforeEach
    void start() throws Exception {
        dns = Outbound.dns();
        rx = new ScriptedReceiver();
    }

    @AfterEach
    void stop() throws Exception {
        if (local != null) {
            local.close();
        }
        rx.close();
        dns.close();
    }

    /** Starts the sending server, delivering remote.test to the scripted receiver offering {@code ehlo}. */
    private void startLocal(String... ehlo) throws IOException {
        rx.ehlo = List.of(ehlo);
        local = Outbound.startLocal(dir.resolve("local"), "dns.server = " + dns.server() + "\noutbound.port = "
                + rx.port() + "\n");
    }

    /** Puts an entry in the queue before the server starts, as the queue leaves one (message in CRLF form). */
    private void spool(String id, String sender, List<String> rcpts, String message) throws IOException {
        Path q = dir.resolve("local/state/queue");
        Files.createDirectories(q);
        Files.write(q.resolve(id + ".eml"), message.replace("\n", "\r\n").getBytes(UTF_8));
        StringBuilder env = new StringBuilder("from <").append(sender).append(">\n");
        rcpts.forEach(r -> env.append("to <").append(r).append(">\n"));
        Files.writeString(q.resolve(id + ".env"), env, UTF_8);
    }

    /** What the receiver got as octets, read as the UTF-8 they are. */
    private static String utf8(String octets) {
        return new String(octets.getBytes(ISO_8859_1), UTF_8);
    }

    @Test
    void sizeDeclaresExactlyTheOctetsSentDkimSignaturesIncluded() throws Exception {
        DkimKey.generate("example.test", "mail", DkimKey.Type.ED25519).write(dir.resolve("local/config"));
        startLocal("SIZE 10240000", "8BITMIME", "SMTPUTF8");

        Outbound.submit(local, "alice@example.test", "dave@remote.test", "Sized",
                "Line one\n.leading dot, stuffed on the wire but not counted\nlast line\n");

        Await.until("delivered", WAIT, () -> rx.accepted.size() == 1);
        ScriptedReceiver.Accepted a = rx.accepted.get(0);
        Matcher m = Pattern.compile("<alice@example\\.test> SIZE=(\\d+)").matcher(a.from());
        assertThat(m.matches()).as("7-bit, ASCII: SIZE only, in %s", a.from()).isTrue();
        assertThat(a.data()).startsWith("DKIM-Signature:").contains("\r\n.leading dot");
        // exact: every octet of prefix and message, CRLFs included, dot-stuffing not (RFC 1870)
        assertThat(Long.parseLong(m.group(1))).isEqualTo(a.data().length());
    }

    @Test
    void messageOverTheHostsSizeLimitIsNotSentAndBouncesWith552() throws Exception {
        startLocal("SIZE 300", "8BITMIME");

        Outbound.submit(local, "alice@example.test", "dave@remote.test", "Too big",
                "0123456789 0123456789 0123456789 0123456789 0123456789\n".repeat(8));

        Await.until("bounce at alice", WAIT, () -> local.messages("alice@example.test").size() == 1);
        String dsn = local.messages("alice@example.test").get(0);
        assertThat(dsn).contains("Final-Recipient: rfc822; dave@remote.test").contains("Action: failed")
                .contains("Status: 5.3.4").contains("Diagnostic-Code: smtp; 552 5.3.4 message size ")
                .contains("exceeds the size limit 300 of mx.remote.test[127.0.0.1]:").contains("Subject: Too big");
        assertThat(local.events(Event.DeliveryAttempt.class)).filteredOn(e -> e.rcpt().equals("dave@remote.test"))
                .singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo("failed");
            assertThat(e.code()).isEqualTo(552);
        });
        assertThat(rx.commands).anyMatch(c -> c.startsWith("EHLO"))
                .noneMatch(c -> c.startsWith("MAIL") || c.startsWith("RCPT") || c.equals("DATA"));
        assertThat(rx.accepted).isEmpty();
        Await.until("queue empty", WAIT, () -> OutboundDeliveryTest.envelopes(local).isEmpty());
    }

    @Test
    void bodyEightBitMimeIsDeclaredForEightBitHeadersOrBodiesOnly() throws Exception {
        spool("SEVENBIT", "alice@example.test", List.of("dave@remote.test"), SEVEN_BIT);
        spool("EIGHTHEADER", "alice@example.test", List.of("dave@remote.test"), EIGHT_BIT_HEADER);
        spool("EIGHTBODY", "alice@example.test", List.of("dave@remote.test"), EIGHT_BIT_BODY);
        startLocal("8BITMIME");

        Await.until("all three delivered", WAIT, () -> rx.accepted.size() == 3);
        Map<String, String> fromBySubject = rx.accepted.stream().collect(Collectors.toMap(
                a -> utf8(a.data()).replaceAll("(?s).*\r\nSubject: ([^\r\n]*).*", "$1"), a -> a.from()));
        assertThat(fromBySubject).containsExactlyInAnyOrderEntriesOf(Map.of(
                "seven", "<alice@example.test>",
                "Grüße im Kopf", "<alice@example.test> BODY=8BITMIME",
                "body", "<alice@example.test> BODY=8BITMIME"));
    }

    @Test
    void eightBitMessageGoesUnchangedWithoutBodyToAHostWithout8BitMime() throws Exception {
        spool("EIGHTBODY", "alice@example.test", List.of("dave@remote.test"), EIGHT_BIT_BODY);
        startLocal("SIZE 0"); // 0: no fixed limit

        Await.until("delivered", WAIT, () -> rx.accepted.size() == 1);
        ScriptedReceiver.Accepted a = rx.accepted.get(0);
        assertThat(a.from()).matches("<alice@example\\.test> SIZE=\\d+");
        assertThat(utf8(a.data())).isEqualTo(EIGHT_BIT_BODY.replace("\n", "\r\n"));
    }

    @Test
    void smtpUtf8IsRequestedForAUtf8RecipientWhenOffered() throws Exception {
        spool("UTF8RCPT", "alice@example.test", List.of("dörte@remote.test"), SEVEN_BIT);
        startLocal("8BITMIME", "SMTPUTF8");

        Await.until("delivered", WAIT, () -> rx.accepted.size() == 1);
        ScriptedReceiver.Accepted a = rx.accepted.get(0);
        assertThat(a.from()).isEqualTo("<alice@example.test> SMTPUTF8");
        assertThat(a.rcpts()).singleElement().satisfies(r -> assertThat(utf8(r)).isEqualTo("<dörte@remote.test>"));
    }

    @Test
    void withoutSmtpUtf8NonAsciiAddressesFailWith553AndTheOthersAreDelivered() throws Exception {
        spool("UTF8RCPT", "alice@example.test", List.of("dörte@remote.test", "dave@remote.test"), SEVEN_BIT);
        spool("UTF8SENDER", "jörg@example.test", List.of("dave@remote.test"), SEVEN_BIT);
        startLocal("8BITMIME");

        Await.until("bounce at alice", WAIT, () -> local.messages("alice@example.test").size() == 1);
        String dsn = local.messages("alice@example.test").get(0);
        assertThat(dsn).contains("Final-Recipient: rfc822; dörte@remote.test").contains("Status: 5.6.7")
                .contains("does not support SMTPUTF8 (RFC 6531), needed for <dörte@remote.test>")
                .doesNotContain("Final-Recipient: rfc822; dave@remote.test");
        Await.until("queue empty", WAIT, () -> OutboundDeliveryTest.envelopes(local).isEmpty());
        assertThat(local.events(Event.DeliveryAttempt.class)).anySatisfy(e -> {
            assertThat(e.id()).isEqualTo("UTF8SENDER");
            assertThat(e.rcpt()).isEqualTo("dave@remote.test");
            assertThat(e.result()).isEqualTo("failed");
            assertThat(e.code()).isEqualTo(553);
            assertThat(e.detail()).contains("needed for <jörg@example.test>");
        });
        // only dave's copy from alice went out, without SMTPUTF8
        assertThat(rx.accepted).singleElement().satisfies(a -> {
            assertThat(a.from()).isEqualTo("<alice@example.test>");
            assertThat(a.rcpts()).containsExactly("<dave@remote.test>");
        });
        assertThat(rx.commands).noneMatch(c -> c.contains("SMTPUTF8") || c.chars().anyMatch(ch -> ch > 0x7f));
    }
}
