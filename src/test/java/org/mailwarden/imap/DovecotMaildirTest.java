package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.store.DovecotUidList;
import org.mailwarden.store.MaildirFolder;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestMaildir;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** A Maildir written by Dovecot (uidlist, keywords, flags in names) opens with its UIDs and flags preserved. */
class DovecotMaildirTest {

    @RegisterExtension
    final TestServerExtension server = TestServerExtension.startedByEachTest();

    static final String M17 = "From: a@x.test\nSubject: seventeen\n\nbody\n";
    static final String M40 = "From: a@x.test\nSubject: forty\n\nbody with\nlines\n";
    static final String M42 = "From: a@x.test\nSubject: forty-two\n\nfoo\nbar\n";

    /** Dovecot's base name with S= (file size) and W= (size with CRLF). */
    static String name(String base, String content) {
        long lines = content.chars().filter(c -> c == '\n').count();
        return base + ",S=" + content.length() + ",W=" + (content.length() + lines);
    }

    /** What Dovecot 2.3 leaves in a docker-mailserver mail-data volume, written by hand. */
    static Path fixture(Path home) throws Exception {
        TestMaildir.create(home);
        Files.writeString(home.resolve("dovecot-uidlist"), "3 V1700000000 N43 G3085f01b7f11094c501100008c4a11c1\n"
                + "17 :" + name("1700000001.M1P100.mail", M17) + "\n"
                + "40 W60 :" + name("1700000002.M2P100.mail", M40) + "\n"
                + "42 :" + name("1700000003.M3P100.mail", M42) + "\n");
        Files.writeString(home.resolve("dovecot-keywords"), "0 $Label1\n1 Junk\n");
        Files.writeString(home.resolve("cur/" + name("1700000001.M1P100.mail", M17) + ":2,S"), M17);
        Files.writeString(home.resolve("cur/" + name("1700000002.M2P100.mail", M40) + ":2,FRSa"), M40);
        Files.writeString(home.resolve("cur/" + name("1700000003.M3P100.mail", M42) + ":2,b"), M42);
        // delivered after Dovecot last looked: no UID yet, no size fields
        Files.writeString(home.resolve("new/1700000100.M9P100.mail"), "Subject: newer\n\nnew\n");
        return home;
    }

    @Test
    void indexKeepsUidsFlagsAndKeywords() throws Exception {
        Path home = fixture(server.dir().resolve("box"));
        MaildirFolder f = MaildirFolder.open(home);
        assertThat(f.uidValidity()).isEqualTo(1700000000L);
        List<MaildirFolder.Message> all = f.messages();
        assertThat(all).extracting(MaildirFolder.Message::uid).containsExactly(17L, 40L, 42L, 43L);
        assertThat(all).extracting(MaildirFolder.Message::letters).containsExactly("S", "FRSa", "b", "");
        // the letters as typed flags, keywords through dovecot-keywords
        assertThat(all.get(1).flags()).isEqualTo(new org.mailwarden.store.MessageFlags(java.util.EnumSet.of(
                org.mailwarden.store.SystemFlag.FLAGGED, org.mailwarden.store.SystemFlag.ANSWERED,
                org.mailwarden.store.SystemFlag.SEEN), java.util.Set.of("$Label1")));
        assertThat(all.get(2).flags().keywords()).containsExactly("Junk");
        assertThat(f.nextUid()).isEqualTo(44);
        assertThat(f.keywords()).containsExactly("$Label1", "Junk");
        // the new file's record was appended in Dovecot's format, and the file still reads back the same
        assertThat(Files.readAllLines(home.resolve("dovecot-uidlist"))).endsWith("43 :1700000100.M9P100.mail");
        var reread = DovecotUidList.read(home).orElseThrow();
        assertThat(reread.uidValidity()).isEqualTo(1700000000L);
        assertThat(reread.nextUid()).isEqualTo(44);
        assertThat(reread.uids()).containsEntry(name("1700000002.M2P100.mail", M40), 40L);
        // flags rewrite names; an expunge leaves its uidlist line, as Dovecot does, until the folder closes
        f.setFlags(42, "bT");
        assertThat(home.resolve("cur/" + name("1700000003.M3P100.mail", M42) + ":2,Tb")).exists();
        f.expunge(List.of(42L));
        assertThat(home.resolve("cur/" + name("1700000003.M3P100.mail", M42) + ":2,Tb")).doesNotExist();
        assertThat(Files.readString(home.resolve("dovecot-uidlist"))).contains("1700000003");
        f.close();
        assertThat(Files.readString(home.resolve("dovecot-uidlist"))).startsWith("3 V1700000000 N44 G3085f01b")
                .doesNotContain("1700000003");
        MaildirFolder again = MaildirFolder.open(home);
        assertThat(again.messages()).extracting(MaildirFolder.Message::uid).containsExactly(17L, 40L, 43L);
    }

    @Test
    void imapServesDovecotUidsAndFlags() throws Exception {
        Path home = server.dir().resolve("mail/example.test/alice");
        fixture(home);
        server.start();
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            c.login("alice@example.test", "secret-alice");
            List<String> sel = c.command("SELECT INBOX");
            assertThat(sel).contains("* 4 EXISTS", "* OK [UIDVALIDITY 1700000000] UIDs valid",
                    "* OK [UIDNEXT 44] Predicted next UID", "* OK [UNSEEN 3] First unseen");
            assertThat(sel.getFirst()).isEqualTo("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 Junk)");
            List<String> f = c.command("FETCH 1:* (UID FLAGS RFC822.SIZE)");
            assertThat(f).contains("* 1 FETCH (UID 17 FLAGS (\\Seen) RFC822.SIZE 44)",
                    "* 2 FETCH (UID 40 FLAGS (\\Flagged \\Answered \\Seen $Label1) RFC822.SIZE 52)",
                    "* 3 FETCH (UID 42 FLAGS (Junk) RFC822.SIZE 48)",
                    "* 4 FETCH (UID 43 FLAGS (\\Recent) RFC822.SIZE 23)");
            assertThat(c.command("UID FETCH 40 BODY.PEEK[TEXT]").getFirst())
                    .isEqualTo("* 2 FETCH (UID 40 BODY[TEXT] {18}\r\nbody with\r\nlines\r\n)");
            assertThat(c.command("UID SEARCH KEYWORD Junk")).contains("* SEARCH 42");
        }
        assertThat(home.resolve("new")).isEmptyDirectory();
        assertThat(home.resolve("cur/1700000100.M9P100.mail:2,")).exists();
    }
}
