package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServerExtension;

/** STARTTLS (RFC 3207) with real TLS, then mail. */
class SmtpTlsTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void angusMailRequiringStartTlsDeliversOverTls13() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(server.get().smtpPort()));
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.localhost", "client.remote.test");
        p.put("mail.smtp.timeout", "10000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("sender@remote.test"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@example.test"));
        m.setSubject("over tls");
        m.setText("secret");
        Transport.send(m);

        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains("with ESMTPS id").contains("(using TLSv1.3 with cipher TLS_").contains("secret");
    }

    @Test
    void pythonSmtplibStartTls() throws Exception {
        var r = org.mailwarden.support.Processes.python("""
                import smtplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                s = smtplib.SMTP('127.0.0.1', %d, local_hostname='py.remote.test', timeout=10)
                s.starttls(context=ctx)
                s.ehlo('py.remote.test')
                assert 'starttls' not in s.esmtp_features, s.esmtp_features
                s.sendmail('py@remote.test', ['bob@example.test'], 'Subject: from python\\r\\n\\r\\nhello\\r\\n')
                print('version', s.sock.version())
                s.quit()
                """.formatted(server.get().smtpPort()), 30);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("version TLSv1.3");
        assertThat(server.get().messages("bob@example.test")).singleElement().asString()
                .contains("Subject: from python");
    }

    @Test
    void commandsPipelinedAfterStartTlsAreDiscarded() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            // CVE-2011-0411 pattern: plaintext injected after STARTTLS must not run inside the TLS session
            c.send("STARTTLS\r\nRSET\r\n");
            assertThat(c.read()).startsWith("220 2.0.0");
            javax.net.ssl.SSLContext ctx = org.mailwarden.support.TrustAll.context();
            var ssl = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(c.socket, "127.0.0.1",
                    server.get().smtpPort(), true);
            ssl.startHandshake();
            ssl.getOutputStream().write("EHLO again.remote.test\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            ssl.getOutputStream().flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(ssl.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            // the first reply inside TLS answers EHLO: the injected RSET was never executed
            assertThat(in.readLine()).startsWith("250-mx.example.test greets again.remote.test");
            ssl.close();
        }
        assertThat(server.get().events(org.mailwarden.events.Event.ProtocolError.class))
                .extracting(org.mailwarden.events.Event.ProtocolError::reason).contains("pipelined-after-starttls");
    }
}
