package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * The quota asks "would this message go over?", as Dovecot's quota-status does with the message's size, not "is the
 * mailbox at or over its limit?": below the limit, a message too big for what is left is refused with 552 5.2.2
 * after DATA, one that fits is delivered; a mailbox at its limit is refused at RCPT already.
 */
class QuotaWouldExceedTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private static String body(int lines) {
        return ("y".repeat(98) + "\r\n").repeat(lines);
    }

    @Test
    void aMessageThatWouldGoOverTheLimitIsRefusedAndOneThatFitsIsDelivered() throws Exception {
        TestServer t = server.get();
        t.writeConfig("dovecot-quotas.cf", "carol@example.test:10K\n");
        // (the limits file is read again at each lookup once its mtime changed)
        // about 3 KiB in: 7 KiB left
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("carol@example.test"), "first", body(30))
                .getLast()).startsWith("250 2.0.0");
        // 8 KiB does not fit in what is left: refused after DATA (the mailbox was not full at RCPT)
        List<String> big = Smtp.send(t.smtpPort(), "s@remote.test", List.of("carol@example.test"), "too big",
                body(80));
        assertThat(big).containsExactly("250 2.1.5 Ok", "552 5.2.2 Mailbox is full");
        assertThat(t.messages("carol@example.test")).hasSize(1);
        // 5 KiB still fits
        assertThat(Smtp.send(t.smtpPort(), "s@remote.test", List.of("carol@example.test"), "fits", body(50))
                .getLast()).startsWith("250 2.0.0");
        assertThat(t.messages("carol@example.test")).hasSize(2);
        // with another recipient, only carol's copy is refused: the message is accepted for alice
        List<String> two = Smtp.send(t.smtpPort(), "s@remote.test", List.of("alice@example.test",
                "carol@example.test"), "for two", body(30));
        assertThat(two.getLast()).startsWith("250 2.0.0");
        assertThat(t.messages("alice@example.test")).hasSize(1);
        assertThat(t.messages("carol@example.test")).hasSize(2);
    }
}
