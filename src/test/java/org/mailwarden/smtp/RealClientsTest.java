package org.mailwarden.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServerExtension;

/** The clients operators use to check a mail server: swaks and Python's smtplib. */
class RealClientsTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private Processes.Result swaks(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("swaks", "--server",
                "127.0.0.1:" + server.get().smtpPort(), "--helo", "swaks.remote.test", "--from", "ops@remote.test",
                "--timeout", "15"));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, null, 60);
    }

    @Test
    void swaksDeliversPlainAndWithStartTls() throws Exception {
        var plain = swaks("--to", "alice@example.test", "--header", "Subject: swaks plain");
        assertThat(plain.exit()).as(plain.output()).isZero();
        var tls = swaks("--to", "bob@example.test", "-tls", "--header", "Subject: swaks tls");
        assertThat(tls.exit()).as(tls.output()).isZero();
        assertThat(tls.output()).contains("TLS started");
        assertThat(server.get().messages("alice@example.test")).singleElement().asString()
                .contains("Subject: swaks plain");
        assertThat(server.get().messages("bob@example.test")).singleElement().asString().contains("Subject: swaks tls")
                .contains("with ESMTPS");
    }

    @Test
    void swaksPipelinedToAliasCatchAllAndSubAddress() throws Exception {
        var r = swaks("--pipeline", "--to", "team@example.test,anything@catchall.test,carol+x@example.test",
                "--header", "Subject: many");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(server.get().messages("alice@example.test")).hasSize(1);
        assertThat(server.get().messages("bob@example.test")).hasSize(1);
        assertThat(server.get().messages("carol@example.test")).hasSize(1); // catch-all and sub-address: one copy
    }

    @Test
    void swaksSeesUnknownUserAndRelayRefusals() throws Exception {
        var unknown = swaks("--to", "nobody@example.test");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.output()).contains("550 5.1.1");
        var relay = swaks("--to", "someone@elsewhere.test");
        assertThat(relay.exit()).isNotZero();
        assertThat(relay.output()).contains("554 5.7.1");
    }

    @Test
    void pythonSmtplibPlainDeliveryAndRefusedRecipients() throws Exception {
        var r = Processes.python("""
                import smtplib
                s = smtplib.SMTP('127.0.0.1', %d, local_hostname='py.remote.test', timeout=10)
                refused = s.sendmail('py@remote.test', ['alice@example.test', 'ghost@example.test', 'x@elsewhere.test'],
                                     'Subject: python\\r\\n\\r\\nbody\\r\\n')
                print(sorted((k, v[0]) for k, v in refused.items()))
                try:
                    s.sendmail('py@remote.test', ['x@elsewhere.test'], 'Subject: no\\r\\n\\r\\n')
                except smtplib.SMTPRecipientsRefused as e:
                    print('refused', e.recipients['x@elsewhere.test'][0])
                s.quit()
                """.formatted(server.get().smtpPort()), 30);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("[('ghost@example.test', 550), ('x@elsewhere.test', 554)]")
                .contains("refused 554");
        assertThat(server.get().messages("alice@example.test")).singleElement().asString().contains("Subject: python");
    }
}
