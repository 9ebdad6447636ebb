package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.imap.ImapProtocolTest.deliver;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.Await;
import org.mailwarden.support.AngusImap;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServerExtension;

/** Real IMAP clients: Angus Mail (Jakarta Mail) and Python's imaplib, on both ports. */
class ImapRealClientsTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private Store angus(boolean implicitTls) throws Exception {
        return AngusImap.alice(server.get(), implicitTls);
    }

    @Test
    void angusReadsFlagsCopiesMovesAndAppendsOverStartTls() throws Exception {
        deliver(server.get(), "alice@example.test", "hello angus", "first body");
        deliver(server.get(), "alice@example.test", "second", "second body");
        Store store = angus(false);
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(2);
            Message m1 = inbox.getMessage(1);
            assertThat(m1.getSubject()).isEqualTo("hello angus");
            assertThat(((String) m1.getContent()).strip()).isEqualTo("first body");
            assertThat(m1.getFrom()[0].toString()).isEqualTo("Sender <sender@remote.test>");
            assertThat(m1.isSet(Flags.Flag.SEEN)).isTrue(); // getContent fetched BODY[]
            assertThat(inbox.getUID(m1)).isEqualTo(1);
            m1.setFlag(Flags.Flag.FLAGGED, true);
            assertThat(inbox.search(new jakarta.mail.search.FlagTerm(new Flags(Flags.Flag.FLAGGED), true)))
                    .hasSize(1);

            Folder archive = store.getFolder("Archive");
            assertThat(archive.exists()).isTrue();
            inbox.copyMessages(new Message[] {m1}, archive);
            inbox.moveMessages(new Message[] {inbox.getMessage(2)}, store.getFolder("Trash"));
            assertThat(store.getFolder("INBOX").getMessageCount()).isEqualTo(1); // a closed folder: STATUS

            Folder sent = store.getFolder("Sent");
            MimeMessage out = new MimeMessage(Session.getInstance(new Properties()));
            out.setFrom(new InternetAddress("alice@example.test"));
            out.setSubject("with attachment");
            MimeMultipart mp = new MimeMultipart();
            MimeBodyPart text = new MimeBodyPart();
            text.setText("see attached", "utf-8");
            MimeBodyPart att = new MimeBodyPart();
            att.setContent("a,b\n1,2\n", "text/csv");
            att.setFileName("data.csv");
            mp.addBodyPart(text);
            mp.addBodyPart(att);
            out.setContent(mp);
            out.saveChanges();
            ((IMAPFolder) sent).appendUIDMessages(new Message[] {out});
            sent.open(Folder.READ_ONLY);
            Message back = sent.getMessage(1);
            MimeMultipart got = (MimeMultipart) back.getContent();
            assertThat(got.getCount()).isEqualTo(2);
            assertThat(got.getBodyPart(1).getFileName()).isEqualTo("data.csv");
            assertThat(((String) got.getBodyPart(0).getContent())).isEqualTo("see attached");
            assertThat(got.getBodyPart(1).getSize()).isEqualTo(10); // "a,b\r\n1,2\r\n" as served
            sent.close(false);
            Folder trash = store.getFolder("Trash");
            trash.open(Folder.READ_ONLY);
            assertThat(trash.getMessage(1).getSubject()).isEqualTo("second");
            assertThat(((UIDFolder) trash).getUIDValidity()).isPositive();
            trash.close(false);
            inbox.close(true);
        } finally {
            store.close();
        }
    }

    @Test
    void angusIdleSeesSmtpDeliveryOverImaps() throws Exception {
        Store store = angus(true);
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            CountDownLatch added = new CountDownLatch(1);
            inbox.addMessageCountListener(new MessageCountAdapter() {
                @Override
                public void messagesAdded(MessageCountEvent e) {
                    added.countDown();
                }
            });
            Thread idler = Thread.ofVirtual().start(() -> {
                try {
                    while (added.getCount() > 0) {
                        inbox.idle(true);
                    }
                } catch (Exception e) {
                    // folder closed at the end
                }
            });
            Await.until("Angus Mail in IDLE", Duration.ofSeconds(5), () -> server.get().server.imapIdleSessions() == 1);
            deliver(server.get(), "alice@example.test", "pushed", "x");
            long delivered = System.nanoTime(); // the 250 reply to DATA: the mail is in the mailbox
            assertThat(added.await(5, TimeUnit.SECONDS)).isTrue();
            // pushed, not found by a poll: the bound is a second from delivery to the IDLE client
            assertThat(Duration.ofNanos(System.nanoTime() - delivered)).isLessThan(Duration.ofSeconds(1));
            idler.join(5000);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("pushed");
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    private Processes.Result python(String script) throws Exception {
        return Processes.python(script, 60);
    }

    @Test
    void pythonImaplibWithStartTls() throws Exception {
        deliver(server.get(), "alice@example.test", "py one", "alpha");
        deliver(server.get(), "alice@example.test", "py two", "beta");
        Processes.Result r = python("""
                import imaplib, ssl
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4('127.0.0.1', %d)
                try:
                    m.login('alice@example.test', 'secret-alice')
                    print('cleartext login allowed')
                except imaplib.IMAP4.error as e:
                    print('refused:', e)
                m.starttls(ssl_context=ctx)
                print(m.login('alice@example.test', 'secret-alice')[0])
                typ, data = m.select('INBOX')
                print('exists', data[0].decode())
                print('search', m.search(None, 'BODY', 'beta')[1][0].decode())
                typ, data = m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
                print('subject', data[0][1].decode().strip())
                print('store', m.store('2', '+FLAGS', '\\\\Deleted')[0])
                print('expunge', m.expunge()[1])
                print(m.logout()[0])
                """.formatted(server.get().imapPort()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("refused:", "OK\n", "exists 2", "search 2", "subject Subject: py one",
                "store OK", "expunge [b'2']", "BYE").doesNotContain("cleartext login allowed");
    }

    @Test
    void pythonImaplibOverImapsAppendsMovesAndCreates() throws Exception {
        Processes.Result r = python("""
                import imaplib, ssl, time
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4_SSL('127.0.0.1', %d, ssl_context=ctx)
                m.login('bob@example.test', 'secret-bob')
                print('list', b' '.join(m.list()[1]).decode())
                print('create', m.create('Work')[0])
                msg = b'From: bob@example.test\\r\\nSubject: py append\\r\\n\\r\\nhello\\r\\n'
                print('append', m.append('INBOX', '(\\\\Seen)', imaplib.Time2Internaldate(time.time()), msg))
                m.select('INBOX')
                print('uid', m.uid('SEARCH', None, 'ALL')[1][0].decode())
                print('move', m.uid('MOVE', '1', 'Work')[0])
                print('status', m.status('Work', '(MESSAGES UNSEEN)')[1][0].decode())
                m.select('Work', readonly=True)
                typ, data = m.fetch('1', '(FLAGS RFC822)')
                print('fetched', data[0][1].decode().replace('\\r\\n', '|'))
                m.logout()
                """.formatted(server.get().imapsPort()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("\\Sent", "\\Trash", "create OK", "APPENDUID", "uid 1", "move OK",
                "status \"Work\" (MESSAGES 1 UNSEEN 0)", "fetched From: bob@example.test|Subject: py append||hello|");
    }
}
