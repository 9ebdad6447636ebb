package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.support.Await;
import org.mailwarden.support.ServerProcess;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/** Helpers for outbound tests: a second, receiving Mailwarden for remote.test, and submitting mail. */
final class Outbound {

    private Outbound() {}

    /** A test DNS server where remote.test's MX, mx.remote.test, is 127.0.0.1. */
    static TestDns dns() throws IOException {
        TestDns dns = new TestDns();
        dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.1");
        return dns;
    }

    /** A Mailwarden for remote.test (account dave, password secret-dave) on loopback ports. */
    static TestServer startRemote(Path dir, String extraConf) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.remote.test
                auth.failure-delay = 20ms
                """ + extraConf);
        Files.writeString(config.resolve("postfix-accounts.cf"),
                "dave@remote.test|" + PasswordHashes.hash("secret-dave".toCharArray()) + "\n");
        return TestServer.start(dir);
    }

    /** The sending Mailwarden for example.test (alice, bob, carol) with outbound settings. */
    static TestServer startLocal(Path dir, String outboundConf) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                auth.failure-delay = 20ms
                queue.retry-initial = 200ms
                queue.retry-max = 1s
                outbound.connect-timeout = 5s
                outbound.timeout = 20s
                """ + outboundConf);
        return TestServer.start(dir);
    }

    /**
     * The data dir of a sending server run in its own JVM ({@code ServerProcess}, for kill -9 tests): mail for
     * fwd@example.test is queued for dave@remote.test and delivered to {@code outboundPort}, remote.test's MX.
     */
    static void forwarderDataDir(Path dir, TestDns dns, int outboundPort, String extraConf) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                dns.server = %s
                outbound.port = %d
                queue.retry-initial = 200ms
                queue.retry-max = 1s
                """.formatted(dns.server(), outboundPort) + extraConf);
        Files.writeString(config.resolve("postfix-accounts.cf"), "alice@example.test|{PLAIN}x\n");
        Files.writeString(config.resolve("postfix-virtual.cf"), "fwd@example.test dave@remote.test\n");
    }

    /** Sends one message per subject to fwd@example.test over SMTP on {@code port}; each must get its 250. */
    static void sendToForward(int port, List<String> subjects) throws IOException {
        try (SmtpClient c = new SmtpClient(port)) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.remote.test");
            for (String subject : subjects) {
                c.cmd("MAIL FROM:<sender@elsewhere.test>");
                c.cmd("RCPT TO:<fwd@example.test>");
                assertThat(c.cmd("DATA")).startsWith("354");
                c.send("Subject: " + subject + "\r\n\r\nmessage " + subject + "\r\n.\r\n");
                assertThat(c.read()).startsWith("250 2.0.0");
            }
        }
    }

    /** Starts a server on {@code dir} again (after a kill -9) and waits until it has emptied the queue. */
    static void restartUntilDrained(Path dir, Duration max) throws Exception {
        QueueDir q = new QueueDir(dir.resolve("state/queue"));
        Process again = ServerProcess.start(dir, ServerProcess.freePort());
        try {
            Await.until("queue drained", max, () -> ids(q).isEmpty());
        } finally {
            again.destroyForcibly();
            again.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The ids of the queue's complete entries ("?" while the directory cannot be read). */
    static List<String> ids(QueueDir q) {
        try {
            return q.ids();
        } catch (IOException e) {
            return List.of("?");
        }
    }

    /** Submits a message as alice over STARTTLS with AUTH (Angus Mail). */
    static void submit(TestServer t, String from, String to, String subject, String body) throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(t.submissionPort()));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.from", from);
        Session s = Session.getInstance(p);
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(from));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText(body);
        String user = from.substring(0, from.indexOf('@'));
        Transport.send(m, from, "secret-" + user);
    }
}
