package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.Processes;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** QUOTA (RFC 9208) over IMAP and its enforcement at APPEND, COPY and SMTP RCPT, against the real server. */
class ImapQuotaTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private ImapClient loggedIn(String user) throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), user + "@example.test", "secret-" + user);
    }

    /** APPENDs a message of exactly {@code size} octets (CRLF form; on disk it is one LF per line shorter). */
    private static List<String> append(ImapClient c, String box, int size) throws Exception {
        String head = "Subject: filler\r\n\r\n";
        String msg = head + "x".repeat(size - head.length());
        return c.command("APPEND " + box + " {" + msg.length() + "+}\r\n" + msg);
    }

    private static String rcpt(TestServer t, String to) throws Exception {
        try (SmtpClient s = new SmtpClient(t.smtpPort())) {
            s.read();
            s.cmd("EHLO client.test");
            s.cmd("MAIL FROM:<sender@remote.test>");
            return s.cmd("RCPT TO:<" + to + ">");
        }
    }

    @Test
    void withoutALimitThereIsNoQuotaRoot() throws Exception {
        try (ImapClient c = loggedIn("alice")) {
            assertThat(c.command("CAPABILITY").getFirst()).contains(" QUOTA ", "QUOTA=RES-STORAGE");
            assertThat(c.command("GETQUOTAROOT INBOX")).containsExactly("* QUOTAROOT \"INBOX\"",
                    "a3 OK GETQUOTAROOT completed");
            assertThat(c.command("GETQUOTA \"User quota\"").getLast()).startsWith("a4 NO [NONEXISTENT]");
            assertThat(c.command("GETQUOTAROOT Nope").getLast()).startsWith("a5 NO [NONEXISTENT]");
            assertThat(c.command("SETQUOTA \"User quota\" (STORAGE 100)").getLast()).startsWith("a6 NO [CANNOT]");
            assertThat(append(c, "INBOX", 5000).getLast()).contains("OK [APPENDUID");
        }
        assertThat(rcpt(server.get(), "alice@example.test")).startsWith("250");
    }

    @Test
    void limitsAreReportedAndEnforcedOnAppendCopyAndSmtp() throws Exception {
        server.get().writeConfig("dovecot-quotas.cf", "# limits\nalice@example.test:10K\nthis line is broken\n");
        try (ImapClient c = loggedIn("alice")) {
            assertThat(append(c, "INBOX", 3010).getLast()).contains("OK [APPENDUID"); // 3008 octets on disk
            assertThat(c.command("GETQUOTAROOT INBOX")).containsExactly("* QUOTAROOT \"INBOX\" \"User quota\"",
                    "* QUOTA \"User quota\" (STORAGE 2 10)", "a3 OK GETQUOTAROOT completed");
            assertThat(c.command("GETQUOTA \"user quota\"")).containsExactly(
                    "* QUOTA \"User quota\" (STORAGE 2 10)", "a4 OK GETQUOTA completed");
            assertThat(append(c, "INBOX", 8000).getLast()).isEqualTo(
                    "a5 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)");
            assertThat(append(c, "Sent", 3010).getLast()).contains("OK [APPENDUID"); // 6016 of 10240
            assertThat(c.command("SELECT INBOX").getLast()).contains("OK");
            assertThat(c.command("COPY 1 Archive").getLast()).contains("OK [COPYUID"); // 9024
            assertThat(c.command("COPY 1 Archive").getLast()).contains("NO [OVERQUOTA]");
            assertThat(c.command("STATUS Archive (MESSAGES SIZE DELETED)").getFirst())
                    .isEqualTo("* STATUS \"Archive\" (MESSAGES 1 SIZE 3010 DELETED 0)");
            // below the limit, mail is still taken
            assertThat(rcpt(server.get(), "alice@example.test")).startsWith("250");
            // a lower limit: alice is full; SMTP answers 552 5.2.2 (as Dovecot's quota-status); bob is fine
            server.get().writeConfig("dovecot-quotas.cf", "alice@example.test:8K\n");
            assertThat(rcpt(server.get(), "alice@example.test")).startsWith("552 5.2.2");
            // team@ (alice, bob) is taken for bob: a refusal of one of its mailboxes does not refuse the address
            assertThat(rcpt(server.get(), "team@example.test")).startsWith("250");
            assertThat(rcpt(server.get(), "bob@example.test")).startsWith("250");
            // MOVE stays inside the quota root and works while full, so users can clean up
            assertThat(c.command("MOVE 1 Trash").getLast()).contains("OK");
            assertThat(c.command("SELECT Trash").getLast()).contains("OK");
            c.command("STORE 1 +FLAGS (\\Deleted)");
            assertThat(c.command("EXPUNGE").getLast()).contains("OK");
            assertThat(c.command("STATUS Trash (DELETED MESSAGES)").getFirst())
                    .isEqualTo("* STATUS \"Trash\" (DELETED 0 MESSAGES 0)");
            assertThat(c.command("GETQUOTA \"User quota\"").getFirst())
                    .isEqualTo("* QUOTA \"User quota\" (STORAGE 5 8)");
        }
        assertThat(rcpt(server.get(), "alice@example.test")).startsWith("250");
    }

    @Test
    void pythonImaplibReadsTheQuota() throws Exception {
        server.get().writeConfig("dovecot-quotas.cf", "bob@example.test:1M\n");
        Processes.Result r = Processes.python("""
                import imaplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4_SSL('127.0.0.1', %d, ssl_context=ctx)
                m.login('bob@example.test', 'secret-bob')
                print('caps', ' '.join(m.capabilities))
                typ, data = m.getquotaroot('INBOX')
                print('root', typ, data)
                typ, data = m.getquota('"User quota"')
                print('quota', typ, data)
                m.logout()
                """.formatted(server.get().imapsPort()), 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("QUOTA=RES-STORAGE", "root OK", "User quota",
                "quota OK [b'\"User quota\" (STORAGE 0 1024)']");
    }
}
