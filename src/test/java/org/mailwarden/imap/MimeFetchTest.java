package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BODYSTRUCTURE and BODY[section] of a nested MIME message, checked without a server. */
class MimeFetchTest {

    static final String MESSAGE = String.join("\r\n",
            "From: \"Ann Example\" <ann@example.test>",
            "To: team: bob@example.test, carol@example.test;, dave@example.test",
            "Subject: =?UTF-8?Q?caf=C3=A9?=",
            "Message-ID: <m1@example.test>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"outer\"",
            "",
            "preamble",
            "--outer",
            "Content-Type: multipart/alternative; boundary=inner",
            "",
            "--inner",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "plain text",
            "--inner",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "<p>html</p>",
            "--inner--",
            "--outer",
            "Content-Type: message/rfc822",
            "Content-Disposition: attachment; filename=\"fwd.eml\"",
            "",
            "From: x@y.test",
            "Subject: inner",
            "",
            "inner body",
            "--outer--",
            "");

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static FetchItem.Section section(int[] part, String text, List<String> fields) {
        return new FetchItem.Section("x", true, part, text, fields, -1, 0);
    }

    @Test
    void structureAndSections() {
        MimeTree.Part root = MimeTree.parse(MESSAGE.getBytes(StandardCharsets.UTF_8));
        ImapWriter w = new ImapWriter();
        FetchData.structure(w, root, true);
        String bs = str(w.bytes());
        assertThat(bs).startsWith("(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 10 0 NIL NIL NIL NIL)"
                + "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 11 0 NIL NIL NIL NIL) "
                + "\"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL NIL)");
        assertThat(bs).contains("(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 44 (NIL \"inner\" "
                + "((NIL NIL \"x\" \"y.test\"))");
        assertThat(bs).contains("(\"ATTACHMENT\" (\"FILENAME\" \"fwd.eml\"))");
        assertThat(bs).endsWith(" \"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)");

        assertThat(str(FetchData.section(root, section(new int[] {1, 1}, "", List.of())))).isEqualTo("plain text");
        assertThat(str(FetchData.section(root, section(new int[] {1, 2}, "MIME", List.of()))))
                .isEqualTo("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
                        + "\r\n\r\n");
        assertThat(str(FetchData.section(root, section(new int[] {2}, "HEADER", List.of()))))
                .isEqualTo("From: x@y.test\r\nSubject: inner\r\n\r\n");
        assertThat(str(FetchData.section(root, section(new int[] {2}, "TEXT", List.of())))).isEqualTo("inner body");
        assertThat(str(FetchData.section(root, section(new int[] {2, 1}, "", List.of())))).isEqualTo("inner body");
        assertThat(str(FetchData.section(root, section(new int[0], "HEADER.FIELDS.NOT",
                List.of("FROM", "TO", "MIME-VERSION", "CONTENT-TYPE", "MESSAGE-ID")))))
                .isEqualTo("Subject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\n");
        assertThat(FetchData.section(root, section(new int[] {3}, "", List.of()))).isNull();

        ImapWriter env = new ImapWriter();
        FetchData.envelope(env, root);
        assertThat(str(env.bytes())).isEqualTo("(NIL \"=?UTF-8?Q?caf=C3=A9?=\" "
                + "((\"Ann Example\" NIL \"ann\" \"example.test\")) ((\"Ann Example\" NIL \"ann\" \"example.test\")) "
                + "((\"Ann Example\" NIL \"ann\" \"example.test\")) "
                + "((NIL NIL \"team\" NIL)(NIL NIL \"bob\" \"example.test\")(NIL NIL \"carol\" \"example.test\")"
                + "(NIL NIL NIL NIL)(NIL NIL \"dave\" \"example.test\")) NIL NIL NIL \"<m1@example.test>\")");
    }

    @Test
    void parserHandlesLiteralsAndSections() {
        ImapCommand.Tagged t = ImapParser.parse(List.of("x1 LOGIN {5}", "alice".getBytes(), " \"pa\\\"ss\""));
        assertThat(t.command()).isEqualTo(new ImapCommand.Login("alice", "pa\"ss"));
        ImapCommand.Tagged f = ImapParser.parse(List.of(
                "x2 UID FETCH 1:*,7 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (Subject From)]<10.20> RFC822.SIZE)"));
        ImapCommand.Fetch fetch = (ImapCommand.Fetch) f.command();
        assertThat(fetch.uid()).isTrue();
        FetchItem.Section s = (FetchItem.Section) fetch.items().get(1);
        assertThat(s.label()).isEqualTo("BODY[1.2.HEADER.FIELDS (SUBJECT FROM)]<10>");
        assertThat(s.part()).containsExactly(1, 2);
        assertThat(s.offset()).isEqualTo(10);
        assertThat(s.length()).isEqualTo(20);
        assertThat(ImapParser.parse(List.of("x3 FETCH 1 (FLAGS")).command())
                .isInstanceOf(ImapCommand.Invalid.class);
        assertThat(ImapParser.parse(List.of("x4 SEARCH NOT OR SEEN (FLAGGED UID 3:4) SINCE 1-Feb-2026")).command())
                .isInstanceOf(ImapCommand.Search.class);
        assertThat(ImapParser.parse(List.of("x5 STORE 0 FLAGS ()")).command())
                .isInstanceOf(ImapCommand.Invalid.class);
        assertThat(ImapParser.parse(List.of("+bad NOOP")).tag()).isEqualTo("*");
    }
}
