package org.mailwarden.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Message;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.Processes;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** Submission (RFC 6409, RFC 8314): TLS, SASL AUTH, relay policy and sender protection, with real clients. */
class SubmissionTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(SubmissionTest::start);

    /** Starts on a data dir with more accounts (one for each password scheme), aliases and sender rules. */
    private static TestServer start(Path dir) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("postfix-virtual.cf"), """
                team@example.test alice@example.test,bob@example.test
                info@example.test alice@example.test
                """);
        Files.writeString(config.resolve("postfix-sender-login-maps.cf"), "noreply@example.test carol@example.test\n");
        Files.writeString(config.resolve("postfix-send-access.cf"), "dave@example.test REJECT\n");
        String accounts = """
                alice@example.test|%s
                bob@example.test|%s
                carol@example.test|%s
                dave@example.test|%s
                sha256@example.test|{SHA256-CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.
                sha512@example.test|{SHA512-CRYPT}$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/
                bcrypt@example.test|{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu
                argon2id@example.test|{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$1iYP9va0OghzPIdGo3gp/xbZeB9yylvUX/a5N4yMOlg
                argon2i@example.test|{ARGON2I}$argon2i$v=19$m=1024,t=2,p=1$c2FsdHlzYWx0eXNhbHQ$DE+ddmKyzUGSHXga3CZp9UKPKQ8cVaaMXW+LIrFbctc
                crypt@example.test|{CRYPT}$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.
                plain@example.test|{PLAIN}password
                """.formatted(hash("alice"), hash("bob"), hash("carol"), hash("dave"));
        Files.writeString(config.resolve("postfix-accounts.cf"), accounts);
        return TestServer.start(dir);
    }

    private static String hash(String user) {
        return org.mailwarden.directory.PasswordHashes.hash(("secret-" + user).toCharArray());
    }

    /** Angus Mail over implicit TLS (465) or STARTTLS (587), authenticating as {@code user}. */
    private void send(boolean implicitTls, String user, String envelopeFrom, String headerFrom, String to)
            throws Exception {
        Properties p = new Properties();
        String proto = implicitTls ? "smtps" : "smtp";
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", "127.0.0.1");
        p.put("mail." + proto + ".port",
                Integer.toString(implicitTls ? server.get().submissionsPort() : server.get().submissionPort()));
        p.put("mail." + proto + ".auth", "true");
        p.put("mail." + proto + ".starttls.enable", "true");
        p.put("mail." + proto + ".starttls.required", Boolean.toString(!implicitTls));
        p.put("mail." + proto + ".ssl.trust", "*");
        p.put("mail." + proto + ".ssl.checkserveridentity", "false");
        p.put("mail." + proto + ".from", envelopeFrom);
        p.put("mail." + proto + ".localhost", "laptop.example.test");
        p.put("mail." + proto + ".timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(headerFrom));
        m.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to));
        m.setSubject("from " + user);
        m.setText("hello");
        try (Transport tr = session.getTransport(proto)) {
            tr.connect(user, "secret-" + user.substring(0, user.indexOf('@')));
            tr.sendMessage(m, m.getAllRecipients());
        }
    }

    @Test
    void authWorksForEveryHashSchemeAndFailsWithAWrongPassword() throws Exception {
        var r = Processes.python("""
                import smtplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                users = {'sha256': 'password', 'sha512': 'password', 'bcrypt': 'password', 'argon2id': 'password',
                         'argon2i': 'password', 'crypt': 'password', 'plain': 'password', 'alice': 'secret-alice'}
                for u, pw in users.items():
                    for given in (pw, pw + 'x'):
                        s = smtplib.SMTP_SSL('127.0.0.1', %d, context=ctx, timeout=10)
                        try:
                            code, _ = s.login(u + '@example.test', given)
                            print(u, 'ok' if given == pw else 'WRONG-ACCEPTED', code)
                        except smtplib.SMTPAuthenticationError as e:
                            print(u, 'refused' if given != pw else 'RIGHT-REFUSED', e.smtp_code, e.smtp_error.decode())
                        s.quit()
                """.formatted(server.get().submissionsPort()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        for (String u : new String[] {"sha256", "sha512", "bcrypt", "argon2id", "argon2i", "crypt", "plain", "alice"}) {
            assertThat(r.output()).contains(u + " ok 235").contains(u + " refused 535 5.7.8");
        }
        assertThat(r.output()).doesNotContain("WRONG-ACCEPTED").doesNotContain("RIGHT-REFUSED");
        // smtplib tries PLAIN, then LOGIN, for each wrong password: two typed failures each, with the mechanism
        assertThat(server.get().events(Event.AuthFailure.class)).hasSize(16).allSatisfy(e -> {
            assertThat(e.origin().proto()).isEqualTo("submission");
            assertThat(e.origin().listener()).isEqualTo("submissions");
            assertThat(e.origin().ip()).isEqualTo("127.0.0.1");
            assertThat(e.reason()).isEqualTo("bad-credentials");
        });
        assertThat(server.get().events(Event.AuthFailure.class)).extracting(Event.AuthFailure::mechanism).contains("PLAIN", "LOGIN");
        assertThat(server.get().events(Event.AuthFailure.class)).extracting(Event.AuthFailure::user)
                .contains("argon2id@example.test");
        assertThat(server.get().events(Event.AuthSuccess.class)).hasSize(8);
    }

    @Test
    void authIsNeitherOfferedNorAcceptedBeforeTlsNorOnPort25() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().submissionPort())) {
            c.read();
            c.send("EHLO laptop.example.test\r\n");
            assertThat(c.reply()).noneMatch(l -> l.contains("AUTH")).anyMatch(l -> l.contains("STARTTLS"));
            assertThat(c.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQtYWxpY2U=")).startsWith("538 5.7.11");
            assertThat(c.cmd("MAIL FROM:<alice@example.test>")).startsWith("530 5.7.0 Must issue a STARTTLS");
        }
        var r = Processes.python("""
                import smtplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP('127.0.0.1', %d, timeout=10)
                s.starttls(context=ctx); s.ehlo()
                print('auth offered on 25:', s.has_extn('auth'))
                print(s.docmd('AUTH', 'PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQtYWxpY2U='))
                s2 = smtplib.SMTP('127.0.0.1', %d, timeout=10)
                s2.starttls(context=ctx); s2.ehlo()
                print('auth offered on 587 after tls:', s2.has_extn('auth'), s2.esmtp_features.get('auth'))
                s2.login('alice@example.test', 'secret-alice')
                print('mail', s2.mail('alice@example.test')[0])
                """.formatted(server.get().smtpPort(), server.get().submissionPort()), 30);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("auth offered on 25: False").contains("(502, b'5.5.1 AUTH not available")
                .contains("auth offered on 587 after tls: True  PLAIN LOGIN").contains("mail 250");
    }

    @Test
    void submissionWithoutAuthIsRefusedEvenForLocalRecipients() throws Exception {
        var r = Processes.python("""
                import smtplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP_SSL('127.0.0.1', %d, context=ctx, timeout=10)
                s.ehlo()
                print(s.mail('alice@example.test'))
                """.formatted(server.get().submissionsPort()), 30);
        assertThat(r.output()).contains("(530, b'5.7.0 Authentication required')");
    }

    @Test
    void relayNeedsAuthAndWorksWithIt() throws Exception {
        // port 25 without auth: no relay
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO laptop.example.test");
            c.cmd("MAIL FROM:<alice@example.test>");
            assertThat(c.cmd("RCPT TO:<friend@elsewhere.test>")).startsWith("554 5.7.1");
        }
        // authenticated on 587 with STARTTLS: relayed into the durable queue, local copy delivered
        send(false, "alice@example.test", "alice@example.test", "alice@example.test",
                "friend@elsewhere.test, bob@example.test");
        // the queue entry is the commit record: the remote recipient waits in it, the local one is recorded done
        assertThat(server.get().queueEnvelopes()).singleElement().satisfies(env ->
                assertThat(Files.readString(env)).startsWith("from <alice@example.test>\nto <friend@elsewhere.test>\n"
                        + "local <bob@example.test>\t<bob@example.test>\tINBOX\t\n"));
        assertThat(server.get().queueEntries()).singleElement().satisfies(e -> assertThat(e.recipients())
                .extracting(r -> r.address() + " " + r.status())
                .containsExactly("friend@elsewhere.test PENDING", "bob@example.test DELIVERED"));
        assertThat(server.get().messages("bob@example.test")).singleElement().asString()
                .contains("with ESMTPSA id").doesNotContain("127.0.0.1");
    }

    @Test
    void sendingAsOwnAddressAliasOrSubAddressIsAllowed() throws Exception {
        send(true, "alice@example.test", "alice@example.test", "alice@example.test", "bob@example.test");
        send(true, "alice@example.test", "info@example.test", "Info Desk <info@example.test>", "bob@example.test");
        send(false, "alice@example.test", "alice+lists@example.test", "alice+lists@example.test", "bob@example.test");
        send(false, "bob@example.test", "team@example.test", "team@example.test", "carol@example.test");
        send(true, "carol@example.test", "noreply@example.test", "noreply@example.test", "bob@example.test"); // map
        assertThat(server.get().messages("bob@example.test")).hasSize(4);
        assertThat(server.get().messages("carol@example.test")).hasSize(1);
    }

    @Test
    void sendingAsSomeoneElseIsRefusedWith553NamingAddressAndLogin() throws Exception {
        assertThatThrownBy(() -> send(true, "alice@example.test", "bob@example.test", "bob@example.test",
                "carol@example.test"))
                .hasMessageContaining("553 5.7.1 Sender address rejected: bob@example.test is not owned by user "
                        + "alice@example.test");
        assertThatThrownBy(() -> send(true, "alice@example.test", "ceo@bigbank.test", "ceo@bigbank.test",
                "carol@example.test"))
                .hasMessageContaining("553 5.7.1").hasMessageContaining("ceo@bigbank.test");
        assertThatThrownBy(() -> send(true, "bob@example.test", "noreply@example.test", "noreply@example.test",
                "carol@example.test")).hasMessageContaining("553 5.7.1"); // the map grants carol, not bob
        assertThat(server.get().messages("carol@example.test")).isEmpty();
        assertThat(server.get().events(Event.SenderDenied.class)).hasSize(3);
    }

    @Test
    void headerFromSpoofIsRefusedAfterData() throws Exception {
        assertThatThrownBy(() -> send(false, "alice@example.test", "alice@example.test", "Bob <bob@example.test>",
                "carol@example.test"))
                .hasMessageContaining("553 5.7.1 Header From rejected: bob@example.test is not owned by user "
                        + "alice@example.test");
        assertThat(server.get().messages("carol@example.test")).isEmpty();
        assertThat(server.get().events(Event.SenderDenied.class)).singleElement()
                .extracting(Event.SenderDenied::where).isEqualTo("header-from");
    }

    @Test
    void restrictedAccountCanLogInButNotSend() throws Exception {
        assertThatThrownBy(() -> send(true, "dave@example.test", "dave@example.test", "dave@example.test",
                "bob@example.test"))
                .isInstanceOf(SendFailedException.class).hasMessageContaining("554 5.7.1")
                .hasMessageContaining("not allowed to send");
        assertThat(server.get().messages("bob@example.test")).isEmpty();
        server.get().writeConfig("postfix-receive-access.cf", "bob@example.test REJECT\n");
        Await.until("receive restriction loaded", Duration.ofSeconds(10), () ->
                server.get().server.directory().isRestricted("bob@example.test", org.mailwarden.directory.Directory.Service.RECEIVE));
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO mx.remote.test");
            c.cmd("MAIL FROM:<x@remote.test>");
            assertThat(c.cmd("RCPT TO:<bob@example.test>")).startsWith("554 5.7.1");
            assertThat(c.cmd("RCPT TO:<team@example.test>")).startsWith("250 "); // alice still gets team mail
        }
    }

    @Test
    void missingMessageIdAndDateAreAddedAndTheClientIpIsHidden() throws Exception {
        var r = Processes.run(java.util.List.of("swaks", "--server", "127.0.0.1:" + server.get().submissionPort(),
                "-tls", "--auth", "LOGIN", "--auth-user", "alice@example.test", "--auth-password", "secret-alice",
                "--from", "alice@example.test", "--to", "bob@example.test", "--helo", "laptop.example.test",
                "--data", "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: bare\r\n\r\nno ids\r\n",
                "--timeout", "15"), null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("235 2.7.0");
        String stored = server.get().messages("bob@example.test").getFirst();
        String headers = stored.substring(0, stored.indexOf("\n\n"));
        assertThat(headers).containsPattern("\nMessage-ID: <[0-9A-Z]+\\.\\d+@mx\\.example\\.test>")
                .containsPattern("\nDate: \\w{3}, \\d{1,2} \\w{3} \\d{4} ")
                .contains("Received: from laptop.example.test\n\tby mx.example.test (Mailwarden) with ESMTPSA")
                .doesNotContain("127.0.0.1");
        assertThat(server.get().events(Event.AuthSuccess.class)).singleElement()
                .extracting(Event.AuthSuccess::mechanism).isEqualTo("LOGIN");
    }

    @Test
    void existingMessageIdAndDateAreKept() throws Exception {
        send(true, "alice@example.test", "alice@example.test", "alice@example.test", "bob@example.test");
        String stored = server.get().messages("bob@example.test").getFirst();
        assertThat(stored.split("\nMessage-ID: ", -1)).hasSize(2); // Angus wrote one; none added
        assertThat(stored.split("\nDate: ", -1)).hasSize(2);
    }

    @Test
    void cancelledAndMalformedAuthExchanges() throws Exception {
        var r = Processes.python("""
                import smtplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP_SSL('127.0.0.1', %d, context=ctx, timeout=10)
                s.ehlo()
                print(s.docmd('AUTH', 'LOGIN')); print(s.docmd('*'))
                print(s.docmd('AUTH', 'PLAIN !!notbase64'))
                print(s.docmd('AUTH', 'CRAM-MD5'))
                """.formatted(server.get().submissionsPort()), 30);
        assertThat(r.output()).contains("(334, b'VXNlcm5hbWU6')").contains("(501, b'5.0.0 Authentication cancelled')")
                .contains("(501, b'5.5.2").contains("(504, b'5.5.4");
    }

    @Test
    void plainTextOnTheImplicitTlsPortIsATypedTlsFailure() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().submissionsPort())) {
            c.send("EHLO plain.text.test\r\n");
            // the server answers with a TLS alert at most, then closes (a hang would time the read out)
            assertThat(c.socket.getInputStream().readAllBytes()).hasSizeLessThan(64);
        }
        Await.until("tls-failure event", Duration.ofSeconds(10),
                () -> !server.get().events(Event.TlsFailure.class).isEmpty());
        assertThat(server.get().events(Event.TlsFailure.class)).singleElement()
                .satisfies(e -> assertThat(e.origin().listener()).isEqualTo("submissions"));
    }
}
