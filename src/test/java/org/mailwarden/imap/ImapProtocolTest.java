package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** IMAP conversations over a raw socket: state rules, literals, each command family, errors. */
class ImapProtocolTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    static void deliver(TestServer t, String rcpt, String subject, String body) throws Exception {
        t.deliver(rcpt, subject, body);
    }

    private ImapClient loggedIn() throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
    }

    @Test
    void loginRefusedBeforeTlsThenWorksAfterStartTls() throws Exception {
        try (ImapClient c = new ImapClient(server.get().imapPort(), false)) {
            assertThat(c.line()).startsWith("* OK [CAPABILITY IMAP4rev1").contains("STARTTLS", "LOGINDISABLED")
                    .doesNotContain("AUTH=PLAIN");
            assertThat(c.command("LOGIN alice@example.test secret-alice").getLast())
                    .startsWith("a1 NO [PRIVACYREQUIRED]");
            assertThat(c.command("AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQtYWxpY2U=").getLast())
                    .contains("NO [PRIVACYREQUIRED]");
            assertThat(c.command("SELECT INBOX").getLast()).startsWith("a3 BAD");
            c.startTls();
            List<String> caps = c.command("CAPABILITY");
            assertThat(caps.getFirst()).contains("AUTH=PLAIN", "IDLE", "UIDPLUS", "MOVE", "SPECIAL-USE", "LITERAL+")
                    .doesNotContain("STARTTLS").doesNotContain("LOGINDISABLED");
            assertThat(c.command("AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQtYWxpY2U=").getLast())
                    .contains("OK");
        }
        assertThat(server.get().events(Event.AuthSuccess.class)).singleElement()
                .satisfies(e -> assertThat(e.origin().proto()).isEqualTo("imap"))
                .satisfies(e -> assertThat(e.mechanism()).isEqualTo("PLAIN"));
        assertThat(server.get().events(Event.AuthFailure.class)).isEmpty();
    }

    @Test
    void authFailuresEmitEvents() throws Exception {
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            assertThat(c.command("LOGIN alice@example.test wrong").getLast())
                    .startsWith("a1 NO [AUTHENTICATIONFAILED]");
            assertThat(c.command("LOGIN \"nobody@example.test\" {5+}\r\nwrong").getLast()).contains("NO");
        }
        List<Event.AuthFailure> f = server.get().events(Event.AuthFailure.class);
        assertThat(f).hasSize(2);
        assertThat(f.getFirst().origin().proto()).isEqualTo("imap");
        assertThat(f.getFirst().origin().listener()).isEqualTo("imaps");
        assertThat(f.getFirst().user()).isEqualTo("alice@example.test");
        assertThat(f.getFirst().mechanism()).isEqualTo("LOGIN");
        assertThat(f.get(1).user()).isEqualTo("nobody@example.test");
    }

    @Test
    void specialUseFoldersAtFirstLoginAndListing() throws Exception {
        try (ImapClient c = loggedIn()) {
            List<String> list = c.command("LIST \"\" \"*\"");
            assertThat(list).contains("* LIST (\\HasNoChildren) \".\" \"INBOX\"",
                    "* LIST (\\HasNoChildren \\Sent) \".\" \"Sent\"",
                    "* LIST (\\HasNoChildren \\Drafts) \".\" \"Drafts\"",
                    "* LIST (\\HasNoChildren \\Junk) \".\" \"Junk\"",
                    "* LIST (\\HasNoChildren \\Trash) \".\" \"Trash\"",
                    "* LIST (\\HasNoChildren \\Archive) \".\" \"Archive\"");
            assertThat(c.command("LIST \"\" \"\"")).contains("* LIST (\\Noselect) \".\" \"\"");
            assertThat(c.command("CREATE Projects.2026").getLast()).contains("OK");
            assertThat(c.command("LIST \"\" \"%\"")).contains("* LIST (\\Noselect \\HasChildren) \".\" \"Projects\"")
                    .noneMatch(l -> l.contains("2026"));
            assertThat(c.command("LIST \"\" \"Projects.*\"")).contains(
                    "* LIST (\\HasNoChildren) \".\" \"Projects.2026\"");
            assertThat(c.command("LSUB \"\" \"*\"")).contains("* LSUB () \".\" \"Sent\"")
                    .noneMatch(l -> l.contains("Projects"));
            assertThat(c.command("SUBSCRIBE Projects.2026").getLast()).contains("OK");
            assertThat(c.command("LSUB \"\" \"*\"")).contains("* LSUB () \".\" \"Projects.2026\"");
            assertThat(c.command("UNSUBSCRIBE Projects.2026").getLast()).contains("OK");
            assertThat(c.command("LIST (SPECIAL-USE) \"\" \"*\"")).hasSize(6);
            assertThat(c.command("RENAME Projects.2026 Old").getLast()).contains("OK");
            assertThat(c.command("LIST \"\" \"Old\"")).hasSize(2);
            assertThat(c.command("DELETE Old").getLast()).contains("OK");
            assertThat(c.command("DELETE INBOX").getLast()).contains("NO");
            assertThat(c.command("CREATE Sent").getLast()).contains("NO");
            assertThat(c.command("NAMESPACE").getFirst()).isEqualTo("* NAMESPACE ((\"\" \".\")) NIL NIL");
        }
        Path home = server.get().server.store().mailboxDir("alice@example.test");
        assertThat(home.resolve(".Sent/cur")).isDirectory();
        assertThat(home.resolve(".Old")).doesNotExist();
        assertThat(Files.readString(home.resolve("subscriptions"))).contains("Sent\n", "Archive\n");
    }

    @Test
    void selectFetchStoreSearchExpunge() throws Exception {
        deliver(server.get(), "alice@example.test", "first", "hello world\r\nline two");
        deliver(server.get(), "alice@example.test", "second", "another body");
        try (ImapClient c = loggedIn()) {
            List<String> sel = c.command("SELECT INBOX");
            assertThat(sel).contains("* 2 EXISTS", "* 2 RECENT", "* OK [UNSEEN 1] First unseen")
                    .anyMatch(l -> l.startsWith("* OK [UIDVALIDITY "))
                    .anyMatch(l -> l.startsWith("* OK [UIDNEXT 3]"));
            assertThat(sel.getLast()).contains("OK [READ-WRITE]");
            // new/ -> cur/ on SELECT
            Path home = server.get().server.store().mailboxDir("alice@example.test");
            assertThat(home.resolve("new")).isEmptyDirectory();
            assertThat(home.resolve("dovecot-uidlist")).exists();

            List<String> f = c.command("FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE)");
            assertThat(f.get(0)).startsWith("* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE ")
                    .contains("ENVELOPE (\"Mon, 2 Feb 2026 10:00:00 +0000\" \"first\" ((\"Sender\" NIL \"sender\" "
                            + "\"remote.test\")) ((\"Sender\" NIL \"sender\" \"remote.test\"))");
            String body = c.command("FETCH 1 BODY.PEEK[TEXT]").getFirst();
            assertThat(body).isEqualTo("* 1 FETCH (BODY[TEXT] {23}\r\nhello world\r\nline two\r\n)");
            // the size served equals RFC822.SIZE
            String whole = c.command("FETCH 1 (RFC822.SIZE BODY.PEEK[])").getFirst();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("RFC822.SIZE (\\d+) BODY\\[\\] \\{(\\d+)\\}")
                    .matcher(whole);
            assertThat(m.find()).isTrue();
            assertThat(m.group(1)).isEqualTo(m.group(2));
            assertThat(c.command("FETCH 1 BODY[HEADER.FIELDS (SUBJECT)]").getFirst())
                    .isEqualTo("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: first\r\n\r\n "
                            + "FLAGS (\\Seen \\Recent))");
            assertThat(c.command("FETCH 1 BODY.PEEK[TEXT]<6.5>").getFirst())
                    .isEqualTo("* 1 FETCH (BODY[TEXT]<6> {5}\r\nworld)");
            assertThat(c.command("FETCH 2 BODYSTRUCTURE").getFirst()).isEqualTo(
                    "* 2 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 14 1 "
                            + "NIL NIL NIL NIL))");

            assertThat(c.command("SEARCH SEEN")).contains("* SEARCH 1");
            assertThat(c.command("SEARCH UNSEEN")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH SUBJECT second")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH BODY \"LINE TWO\"")).contains("* SEARCH 1");
            assertThat(c.command("SEARCH CHARSET UTF-8 TEXT another")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH OR SUBJECT first SUBJECT second NOT 1")).contains("* SEARCH 2");
            assertThat(c.command("UID SEARCH FROM sender SINCE 1-Jan-2020 LARGER 10")).contains("* SEARCH 1 2");
            assertThat(c.command("SEARCH SENTON 2-Feb-2026 NEW")).contains("* SEARCH 2");
            assertThat(c.command("SEARCH CHARSET KOI8-R ALL").getLast()).contains("NO [BADCHARSET");

            assertThat(c.command("STORE 2 +FLAGS (\\Flagged $Important)")).contains(
                    "* 2 FETCH (FLAGS (\\Flagged $Important \\Recent))");
            assertThat(c.command("UID STORE 2 -FLAGS.SILENT (\\Flagged)")).hasSize(1);
            assertThat(c.command("SEARCH KEYWORD $Important")).contains("* SEARCH 2");
            assertThat(home.resolve("dovecot-keywords")).content().isEqualTo("0 $Important\n");
            assertThat(c.command("STORE 1 +FLAGS.SILENT (\\Deleted)")).hasSize(1);
            List<String> ex = c.command("EXPUNGE");
            assertThat(ex).containsExactly("* 1 EXPUNGE", ex.getLast());
            assertThat(c.command("FETCH 1 (UID FLAGS)").getFirst())
                    .isEqualTo("* 1 FETCH (UID 2 FLAGS ($Important \\Recent))");
            assertThat(c.command("CLOSE").getLast()).contains("OK");
            assertThat(c.command("FETCH 1 FLAGS").getLast()).contains("BAD");
            assertThat(c.command("EXAMINE INBOX").getLast()).contains("OK [READ-ONLY]");
            assertThat(c.command("STORE 1 +FLAGS (\\Seen)").getLast()).contains("NO [READ-ONLY]");
            assertThat(c.command("STATUS INBOX (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)").getFirst())
                    .matches("\\* STATUS \"INBOX\" \\(MESSAGES 1 UNSEEN 1 UIDNEXT 3 UIDVALIDITY \\d+\\)");
        }
    }

    @Test
    void appendWithLiteralsAndUidplus() throws Exception {
        try (ImapClient c = loggedIn()) {
            String msg = "From: a@b.test\r\nSubject: draft\r\n\r\nbody\r\n";
            String tag = c.nextTag();
            c.send(tag + " APPEND Drafts (\\Draft \\Seen) \"05-Jan-2026 10:00:00 +0100\" {" + msg.length() + "}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send(msg + "\r\n");
            assertThat(c.until(tag).getLast()).matches(tag + " OK \\[APPENDUID \\d+ 1\\] APPEND completed");
            // LITERAL+: no continuation
            assertThat(c.command("APPEND Drafts {" + msg.length() + "+}\r\n" + msg).getLast())
                    .contains("[APPENDUID ").contains(" 2]");
            assertThat(c.command("APPEND Nowhere {3+}\r\nabc").getLast()).contains("NO [TRYCREATE]");
            c.command("SELECT Drafts");
            // \Recent (RFC 3501 6.3.11) only while the folder's index is still open from the APPENDs: not compared here
            assertThat(c.command("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)").getFirst().replace(" \\Recent", "")).isEqualTo(
                    "* 1 FETCH (FLAGS (\\Draft \\Seen) INTERNALDATE \""
                            + ImapParser.DATE_TIME_OUT.format(java.time.ZonedDateTime.parse("2026-01-05T10:00:00+01:00")
                                    .withZoneSameInstant(java.time.ZoneId.systemDefault()))
                            + "\" RFC822.SIZE " + msg.length() + ")");
            assertThat(c.command("FETCH 2 RFC822").getFirst().replace(" \\Recent", "")).isEqualTo(
                    "* 2 FETCH (RFC822 {" + msg.length() + "}\r\n" + msg + " FLAGS (\\Seen))");
        }
        Path drafts = server.get().server.store().mailboxDir("alice@example.test").resolve(".Drafts/cur");
        try (var files = Files.list(drafts)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(2).allMatch(n -> n.contains(",S=" + (msg().length() - 4) + ",W=" + msg().length()));
            assertThat(names).anyMatch(n -> n.endsWith(":2,DS"));
        }
    }

    private static String msg() {
        return "From: a@b.test\r\nSubject: draft\r\n\r\nbody\r\n";
    }

    @Test
    void copyAndMoveWithUidplus() throws Exception {
        deliver(server.get(), "alice@example.test", "one", "1");
        deliver(server.get(), "alice@example.test", "two", "2");
        deliver(server.get(), "alice@example.test", "three", "3");
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX");
            c.command("STORE 1 +FLAGS (\\Flagged)");
            assertThat(c.command("COPY 1:2 Archive").getLast()).matches("a\\d+ OK \\[COPYUID \\d+ 1:2 1:2\\] .*");
            List<String> mv = c.command("UID MOVE 2:3 Trash");
            assertThat(mv.get(0)).matches("\\* OK \\[COPYUID \\d+ 2:3 1:2\\] .*");
            assertThat(mv.subList(1, 3)).containsExactly("* 3 EXPUNGE", "* 2 EXPUNGE");
            assertThat(c.command("COPY 1 Nowhere").getLast()).contains("NO [TRYCREATE]");
            c.command("SELECT Archive");
            assertThat(c.command("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")).anyMatch(
                    l -> l.startsWith("* 1 FETCH (FLAGS (\\Flagged") && l.contains("Subject: one"));
            assertThat(c.command("STATUS Trash (MESSAGES)").getFirst()).contains("MESSAGES 2");
        }
    }

    @Test
    void badCommandsGetBadThenBye() throws Exception {
        try (ImapClient c = new ImapClient(server.get().imapPort(), false)) {
            c.line();
            assertThat(c.command("FROB").getLast()).isEqualTo("a1 BAD Unknown command FROB");
            assertThat(c.command("FETCH").getLast()).startsWith("a2 BAD");
            c.send("\r\n");
            assertThat(c.line()).startsWith("* BAD");
            for (int i = 3; i < 20; i++) {
                c.command("NOPE");
            }
            List<String> last = c.command("NOPE");
            assertThat(last).contains("* BYE Too many invalid commands");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void lineAndLiteralLimits() throws Exception {
        server.get().close();
        server.start(dir -> TestServer.startWithConfig(dir,
                "imap.max-line-length = 1000\nimap.max-literal-size = 2048"));
        try (ImapClient c = loggedIn()) {
            assertThat(c.command("NOOP " + "x".repeat(2000)).getLast()).startsWith("a2 BAD [TOOBIG]");
            assertThat(c.command("NOOP").getLast()).startsWith("a3 OK");
            assertThat(c.command("APPEND INBOX {5000}").getLast()).startsWith("a4 NO [TOOBIG]");
            assertThat(c.command("NOOP").getLast()).startsWith("a5 OK");
            c.send("a6 APPEND INBOX {5000+}\r\n");
            assertThat(c.line()).startsWith("a6 BAD [TOOBIG]");
            assertThat(c.line()).startsWith("* BYE [TOOBIG]");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void idleSeesSmtpDeliveryAndLogout() throws Exception {
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX");
            c.send("i1 IDLE\r\n");
            assertThat(c.line()).startsWith("+ ");
            long start = System.nanoTime();
            deliver(server.get(), "alice@example.test", "pushed", "x");
            assertThat(c.line()).isEqualTo("* 1 EXISTS");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000);
            assertThat(c.line()).isEqualTo("* 1 RECENT");
            c.send("DONE\r\n");
            assertThat(c.until("i1").getLast()).isEqualTo("i1 OK IDLE terminated");
            assertThat(c.command("LOGOUT")).contains("* BYE Logging out");
        }
    }

    @Test
    void headerSearchesMatchDecodedValuesAndFollowNewExpungedAndReopenedFolders() throws Exception {
        deliver(server.get(), "alice@example.test", "=?UTF-8?Q?caf=C3=A9?= menu", "one");
        deliver(server.get(), "alice@example.test", "plain tea", "two");
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX");
            String[][] answers = {
                {"SEARCH SUBJECT \"MENU\"", "* SEARCH 1"},
                {"SEARCH CHARSET UTF-8 SUBJECT {5+}\r\nCAF\u00c9", "* SEARCH 1"},
                {"SEARCH SUBJECT \"=?UTF-8\"", "* SEARCH"}, // the decoded value is searched
                {"SEARCH NOT SUBJECT menu", "* SEARCH 2"},
                {"SEARCH OR SUBJECT tea FROM nobody", "* SEARCH 2"},
                {"SEARCH HEADER Message-ID \"\"", "* SEARCH 1 2"},
                {"SEARCH HEADER X-Missing \"\"", "* SEARCH"},
                {"SEARCH 2 SUBJECT tea", "* SEARCH 2"},
                {"SEARCH 1:2 CC sender", "* SEARCH"}, // a few messages: looked at alone, no column built
                {"UID SEARCH SUBJECT tea", "* SEARCH 2"},
            };
            for (String[] a : answers) {
                assertThat(c.command(a[0])).as(a[0]).contains(a[1]);
            }

            String msg = "From: x@remote.test\r\nSubject: more TEA\r\n\r\nthree\r\n";
            assertThat(c.command("APPEND INBOX {" + msg.length() + "+}\r\n" + msg).getLast()).contains("OK");
            assertThat(c.command("SEARCH SUBJECT tea")).contains("* SEARCH 2 3");
            c.command("STORE 1 +FLAGS.SILENT (\\Deleted)");
            c.command("EXPUNGE");
            assertThat(c.command("SEARCH SUBJECT tea")).contains("* SEARCH 1 2");
            assertThat(c.command("UID SEARCH SUBJECT tea")).contains("* SEARCH 2 3");
            c.command("LOGOUT");
        }
        // the last session closed the folder, which wrote its columns; the next one reads them back
        Path columns = server.get().inbox("alice@example.test").resolveSibling("mailwarden-search");
        Await.until("the header columns written", Duration.ofSeconds(10),
                () -> Files.exists(columns));
        try (ImapClient c = loggedIn()) {
            c.command("SELECT INBOX");
            assertThat(c.command("SEARCH SUBJECT tea")).contains("* SEARCH 1 2");
            assertThat(c.command("SEARCH NOT HEADER Message-ID \"\"")).contains("* SEARCH 2");
        }
    }
}
