package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.BodyTerm;
import jakarta.mail.search.ComparisonTerm;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.FromStringTerm;
import jakarta.mail.search.OrTerm;
import jakarta.mail.search.ReceivedDateTerm;
import jakarta.mail.search.SizeTerm;
import jakarta.mail.search.SubjectTerm;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPMessage;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mailwarden.support.AngusImap;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestServerExtension;

/**
 * Every command group of IMAP4rev1 and the extensions clients rely on, through real clients on both ports
 * (143 with STARTTLS, 993 with TLS from the first byte): Python's imaplib runs
 * {@code imap/imaplib_every_command.py} (each of its checks prints "ok ..." and a failed one ends it non-zero),
 * and Angus Mail's IMAP store does what a Jakarta Mail application would.
 */
class ImapEveryCommandClientsTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @ParameterizedTest
    @ValueSource(strings = {"starttls", "imaps"})
    void imaplibEveryCommandGroup(String mode) throws Exception {
        String script;
        try (InputStream in = getClass().getResourceAsStream("/imap/imaplib_every_command.py")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int port = mode.equals("imaps") ? server.get().imapsPort() : server.get().imapPort();
        Processes.Result r = Processes.python("PORT = " + port + "\nMODE = '" + mode + "'\n" + script, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).as(r.output()).contains("ok authenticate plain", "ok rename", "ok fetch partial",
                "ok uid expunge", "ok examine", "ok close", "ok idle", "ok bad command", "DONE " + mode);
        if (mode.equals("starttls")) {
            assertThat(r.output()).contains("ok login before tls refused", "ok starttls");
        }
    }

    private Store angus(boolean implicitTls) throws Exception {
        return AngusImap.alice(server.get(), implicitTls);
    }

    private static MimeMessage message(String from, String subject, String text) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress(from));
        m.setRecipients(Message.RecipientType.TO, "alice@example.test");
        m.setSubject(subject, "utf-8");
        m.setText(text, "utf-8");
        m.setSentDate(java.util.Date.from(java.time.Instant.parse("2026-02-02T10:00:00Z")));
        m.saveChanges();
        return m;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void angusEveryCommandGroup(boolean implicitTls) throws Exception {
        IMAPStore store = (IMAPStore) angus(implicitTls);
        try {
            // CAPABILITY, NAMESPACE, ID
            for (String cap : List.of("IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "SPECIAL-USE", "LITERAL+", "ENABLE",
                    "ID", "UNSELECT", "CHILDREN", "CONDSTORE")) {
                assertThat(store.hasCapability(cap)).as(cap).isTrue();
            }
            assertThat(store.getPersonalNamespaces()).extracting(Folder::getFullName).containsExactly("");
            assertThat(store.id(Map.of("name", "angus"))).containsEntry("name", "Mailwarden");

            // LIST, CREATE, SUBSCRIBE, LSUB, RENAME, DELETE
            Folder root = store.getDefaultFolder();
            assertThat(root.getSeparator()).isEqualTo('.');
            assertThat(root.list("*")).extracting(Folder::getFullName)
                    .contains("INBOX", "Sent", "Drafts", "Junk", "Trash", "Archive");
            IMAPFolder projects = (IMAPFolder) store.getFolder("Projects");
            assertThat(projects.create(Folder.HOLDS_MESSAGES | Folder.HOLDS_FOLDERS)).isTrue();
            assertThat(store.getFolder("Projects.2026").create(Folder.HOLDS_MESSAGES)).isTrue();
            assertThat(projects.list()).extracting(Folder::getFullName).containsExactly("Projects.2026");
            projects.setSubscribed(true);
            assertThat(root.listSubscribed("Proj*")).extracting(Folder::getFullName).contains("Projects");
            projects.setSubscribed(false);
            assertThat(root.listSubscribed("Proj*")).extracting(Folder::getFullName).doesNotContain("Projects");
            assertThat(projects.renameTo(store.getFolder("Clients"))).isTrue();
            assertThat(store.getFolder("Clients.2026").exists()).isTrue();
            assertThat(store.getFolder("Projects").exists()).isFalse();
            assertThat(store.getFolder("Clients.2026").delete(false)).isTrue();
            assertThat(store.getFolder("Clients.2026").exists()).isFalse();

            // APPEND (with UIDPLUS), STATUS on a closed folder
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            AppendUID[] appended = inbox.appendUIDMessages(new Message[] {
                message("bob@example.test", "first plain", "hello world"),
                message("juergen@example.test", "Grüße aus Köln", "Schöne Grüße"),
                message("carol@example.test", "third", "see attached")});
            assertThat(appended).extracting(a -> a.uid).containsExactly(1L, 2L, 3L);
            assertThat(inbox.getMessageCount()).isEqualTo(3);
            assertThat(inbox.getUnreadMessageCount()).isEqualTo(3);

            // EXAMINE: read-only, flags cannot change
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMode()).isEqualTo(Folder.READ_ONLY);
            inbox.close(false);

            // SELECT, FETCH (ENVELOPE, BODYSTRUCTURE, FLAGS, UID, INTERNALDATE, RFC822.SIZE, BODY[], BODY.PEEK)
            inbox.open(Folder.READ_WRITE);
            FetchProfile fp = new FetchProfile();
            fp.add(FetchProfile.Item.ENVELOPE);
            fp.add(FetchProfile.Item.CONTENT_INFO);
            fp.add(FetchProfile.Item.FLAGS);
            fp.add(UIDFolder.FetchProfileItem.UID);
            fp.add(FetchProfile.Item.SIZE);
            Message[] all = inbox.getMessages();
            inbox.fetch(all, fp);
            assertThat(all[1].getSubject()).isEqualTo("Grüße aus Köln");
            assertThat(all[0].getFrom()[0].toString()).isEqualTo("bob@example.test");
            assertThat(all[0].getContentType()).startsWithIgnoringCase("text/plain");
            assertThat(all[0].getSize()).isPositive();
            assertThat(all[0].getReceivedDate()).isNotNull();
            IMAPMessage peeked = (IMAPMessage) all[2];
            peeked.setPeek(true);
            assertThat(new String(peeked.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("see attached");
            assertThat(peeked.isSet(Flags.Flag.SEEN)).isFalse();
            assertThat(((String) all[1].getContent())).isEqualTo("Schöne Grüße");
            assertThat(all[1].isSet(Flags.Flag.SEEN)).isTrue();

            // SEARCH, with a UTF-8 term (CHARSET UTF-8)
            assertThat(inbox.search(new SubjectTerm("Köln"))).containsExactly(all[1]);
            assertThat(inbox.search(new OrTerm(new FromStringTerm("bob"), new FromStringTerm("carol"))))
                    .containsExactly(all[0], all[2]);
            assertThat(inbox.search(new BodyTerm("attached"))).containsExactly(all[2]);
            assertThat(inbox.search(new FlagTerm(new Flags(Flags.Flag.SEEN), false))).containsExactly(all[0], all[2]);
            assertThat(inbox.search(new SizeTerm(ComparisonTerm.GT, 1))).hasSize(3);
            // Angus APPENDs with the sent date as INTERNALDATE (2 Feb 2026)
            assertThat(inbox.search(new ReceivedDateTerm(ComparisonTerm.EQ,
                    java.util.Date.from(java.time.Instant.parse("2026-02-02T12:00:00Z"))))).hasSize(3);
            assertThat(inbox.search(new ReceivedDateTerm(ComparisonTerm.GT,
                    java.util.Date.from(java.time.Instant.parse("2026-02-03T12:00:00Z"))))).isEmpty();

            // STORE (system flags and keywords), UID FETCH, NOOP sees another session's change
            all[0].setFlags(new Flags(Flags.Flag.FLAGGED), true);
            Flags kw = new Flags("$Work");
            all[0].setFlags(kw, true);
            assertThat(inbox.getMessageByUID(1).getFlags().contains("$Work")).isTrue();
            assertThat(inbox.getMessagesByUID(2, 3)).extracting(inbox::getUID).containsExactly(2L, 3L);

            // COPY with COPYUID, MOVE, CHECK
            AppendUID[] copied = inbox.copyUIDMessages(new Message[] {all[0]}, store.getFolder("Archive"));
            assertThat(copied).hasSize(1);
            assertThat(copied[0].uid).isEqualTo(1L);
            inbox.moveMessages(new Message[] {all[2]}, store.getFolder("Clients"));
            inbox.doCommand(p -> {
                p.simpleCommand("CHECK", null);
                return null;
            });
            assertThat(all[2].isExpunged()).isTrue(); // the MOVE's EXPUNGE
            assertThat(store.getFolder("Clients").getMessageCount()).isEqualTo(1);

            // EXPUNGE, UID EXPUNGE
            Message[] left = inbox.getMessages();
            left[0].setFlag(Flags.Flag.DELETED, true);
            left[1].setFlag(Flags.Flag.DELETED, true);
            assertThat(inbox.expunge(new Message[] {left[1]})).containsExactly(left[1]); // UID EXPUNGE
            assertThat(left[1].isExpunged()).isTrue();
            assertThat(left[0].isExpunged()).isFalse();
            assertThat(inbox.expunge()).contains(left[0]);
            assertThat(left[0].isExpunged()).isTrue();
            inbox.close(false);
            assertThat(inbox.getMessageCount()).isZero(); // STATUS

            // CLOSE expunges \Deleted silently
            Folder clients = store.getFolder("Clients");
            clients.open(Folder.READ_WRITE);
            assertThat(clients.getMessage(1).getSubject()).isEqualTo("third");
            clients.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            clients.close(true);
            assertThat(clients.getMessageCount()).isZero();
            assertThat(store.getFolder("Archive").getMessageCount()).isEqualTo(1);
        } finally {
            store.close(); // LOGOUT
        }
    }
}
