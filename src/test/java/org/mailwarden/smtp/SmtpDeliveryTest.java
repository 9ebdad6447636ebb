package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServerExtension;

/** Inbound SMTP on port 25: who gets what, through aliases, catch-alls and sub-addresses. */
class SmtpDeliveryTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    /** Sends with Angus Mail (Jakarta Mail), a real client library, over plain SMTP. */
    private void sendWithAngus(String from, String to, String subject, String body) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(server.get().smtpPort()));
        p.put("mail.smtp.localhost", "client.remote.test");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(from));
        m.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to));
        m.setSubject(subject);
        m.setText(body);
        Transport.send(m);
    }

    @Test
    void aQuotedLocalPartWithAnAtBelongsToTheDomainAfterTheLastAt() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.remote.test");
            c.cmd("MAIL FROM:<sender@remote.test>");
            // a local address that does not exist, not a relay attempt to foreign.test
            assertThat(c.cmd("RCPT TO:<\"victim@foreign.test\"@example.test>")).startsWith("550 5.1.1");
            // and in a domain with a catch-all, it is delivered there
            assertThat(c.cmd("RCPT TO:<\"victim@foreign.test\"@catchall.test>")).startsWith("250 ");
        }
        assertThat(server.get().events(Event.RelayDenied.class)).isEmpty();
        assertThat(server.get().events(Event.UnknownRecipient.class)).singleElement()
                .extracting(Event.UnknownRecipient::rcpt).isEqualTo("\"victim@foreign.test\"@example.test");
    }

    @Test
    void deliversToAUserWithReturnPathAndReceived() throws Exception {
        sendWithAngus("sender@remote.test", "alice@example.test", "hello", "Hi Alice.\r\n.leading dot\r\n");

        List<String> inbox = server.get().messages("alice@example.test");
        assertThat(inbox).hasSize(1);
        String msg = inbox.getFirst();
        assertThat(msg).startsWith("Return-Path: <sender@remote.test>\nReceived: from client.remote.test ([127.0.0.1])");
        assertThat(msg).contains("by mx.example.test (Mailwarden) with ESMTP id ");
        assertThat(msg).contains("for <alice@example.test>;");
        assertThat(msg).contains("Subject: hello\n").contains("Hi Alice.\n.leading dot\n");
        assertThat(msg).doesNotContain("\r\n");
        assertThat(server.get().events(Event.Delivered.class)).hasSize(1);
    }

    @Test
    void aliasFansOutToEveryTargetAsHardLinks() throws Exception {
        sendWithAngus("sender@remote.test", "team@example.test", "team", "to the team");

        assertThat(server.get().messages("alice@example.test")).hasSize(1);
        assertThat(server.get().messages("bob@example.test")).hasSize(1);
        assertThat(server.get().messages("carol@example.test")).isEmpty();
        Path a = onlyFile(server.get().inbox("alice@example.test"));
        Path b = onlyFile(server.get().inbox("bob@example.test"));
        assertThat(Files.getAttribute(a, "unix:ino")).isEqualTo(Files.getAttribute(b, "unix:ino"));
    }

    @Test
    void oneCopyPerMailboxEvenWhenAddressedTwice() throws Exception {
        // alice directly and through the team alias: one copy for her, one for bob
        sendWithAngus("sender@remote.test", "alice@example.test, team@example.test", "dup", "x");
        assertThat(server.get().messages("alice@example.test")).hasSize(1);
        assertThat(server.get().messages("bob@example.test")).hasSize(1);
    }

    @Test
    void catchAllTakesAnyAddressOfItsDomain() throws Exception {
        sendWithAngus("sender@remote.test", "whatever-123@catchall.test", "catch", "x");
        assertThat(server.get().messages("carol@example.test")).hasSize(1);
    }

    @Test
    void subAddressGoesToTheUser() throws Exception {
        sendWithAngus("sender@remote.test", "bob+newsletters@example.test", "tagged", "x");
        assertThat(server.get().messages("bob@example.test")).singleElement().asString()
                .contains("for <bob+newsletters@example.test>");
    }

    @Test
    void unknownUserAndForeignRecipientAreRefused() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            assertThat(c.read()).startsWith("220 mx.example.test ESMTP");
            assertThat(c.cmd("EHLO client.remote.test")).startsWith("250 ");
            assertThat(c.cmd("MAIL FROM:<sender@remote.test>")).startsWith("250 2.1.0");
            assertThat(c.cmd("RCPT TO:<nobody@example.test>")).startsWith("550 5.1.1");
            assertThat(c.cmd("RCPT TO:<victim@elsewhere.test>")).startsWith("554 5.7.1");
            assertThat(c.cmd("DATA")).startsWith("554 5.5.1");
            assertThat(c.cmd("QUIT")).startsWith("221 2.0.0");
        }
        assertThat(server.get().events(Event.UnknownRecipient.class)).extracting(Event.UnknownRecipient::rcpt)
                .containsExactly("nobody@example.test");
        assertThat(server.get().events(Event.RelayDenied.class)).extracting(Event.RelayDenied::rcpt)
                .containsExactly("victim@elsewhere.test");
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void postmasterWithoutDomainIsAccepted() throws Exception {
        server.get().writeConfig("postfix-virtual.cf", "postmaster@example.test alice@example.test\n");
        Await.until("postmaster alias loaded", Duration.ofSeconds(10), () ->
                server.get().server.directory().resolve("postmaster@example.test") instanceof org.mailwarden.directory.Resolution.Deliver);
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            c.cmd("MAIL FROM:<>");
            assertThat(c.cmd("RCPT TO:<Postmaster>")).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("354");
            assertThat(c.cmd("Subject: bounce\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");
        }
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .startsWith("Return-Path: <>\n");
    }

    @Test
    void accountAndAliasFilesAreReloadedWithoutRestart() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            c.cmd("MAIL FROM:<sender@remote.test>");
            assertThat(c.cmd("RCPT TO:<dave@example.test>")).startsWith("550 5.1.1");
            assertThat(c.cmd("RCPT TO:<sales@example.test>")).startsWith("550 5.1.1");
        }
        String accounts = Files.readString(server.get().server.config().configDir().resolve("postfix-accounts.cf"));
        server.get().writeConfig("postfix-accounts.cf", accounts + "dave@example.test|{PLAIN}pw\n");
        server.get().writeConfig("postfix-virtual.cf", "sales@example.test dave@example.test\n");

        Await.until("the directory picks up dave and sales", Duration.ofSeconds(10), () ->
                server.get().server.directory().resolve("sales@example.test") instanceof org.mailwarden.directory.Resolution.Deliver);
        sendWithAngus("sender@remote.test", "sales@example.test", "new alias", "x");
        assertThat(server.get().messages("dave@example.test")).hasSize(1);
        // the old alias file was replaced: team is gone
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            c.cmd("MAIL FROM:<sender@remote.test>");
            assertThat(c.cmd("RCPT TO:<team@example.test>")).startsWith("550 5.1.1");
        }
    }

    @Test
    void forwardToAForeignAddressIsQueuedDurably() throws Exception {
        server.get().writeConfig("postfix-virtual.cf", "fwd@example.test friend@elsewhere.test,alice@example.test\n");
        Await.until("alias loaded", Duration.ofSeconds(10), () ->
                server.get().server.directory().resolve("fwd@example.test") instanceof org.mailwarden.directory.Resolution.Deliver);
        sendWithAngus("sender@remote.test", "fwd@example.test", "fwd", "forward me");
        assertThat(server.get().messages("alice@example.test")).hasSize(1);
        Path queue = server.get().server.config().stateDir().resolve("queue");
        try (Stream<Path> s = Files.list(queue)) {
            List<Path> env = s.filter(p -> p.toString().endsWith(".env")).toList();
            assertThat(env).hasSize(1);
            assertThat(Files.readString(env.getFirst())).startsWith("from <sender@remote.test>\n"
                    + "to <friend@elsewhere.test>\nlocal <alice@example.test>\t<fwd@example.test>\tINBOX\t\n");
        }
    }

    static Path onlyFile(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.reduce((x, y) -> {
                throw new AssertionError("more than one file in " + dir);
            }).orElseThrow();
        }
    }
}
