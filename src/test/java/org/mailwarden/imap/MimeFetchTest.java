package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailwarden.store.Crlf;

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

    private static final byte[] DATA = MESSAGE.getBytes(StandardCharsets.UTF_8);

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A section's octets: a range of the message (network form: here the same as the file), or made. */
    private static String str(FetchData.Content c) {
        return switch (c) {
            case FetchData.Content.Bytes(byte[] b) -> str(b);
            case FetchData.Content.Range r -> new String(DATA, (int) r.from().net(), (int) r.size(),
                    StandardCharsets.UTF_8);
        };
    }

    private static FetchItem.Section section(int[] part, String text, List<String> fields) {
        return new FetchItem.Section("x", true, part, text, fields, -1, 0);
    }

    @Test
    void structureAndSections() {
        MimeTree.Part root = MimeTree.parse(DATA);
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
    void theFileFormGivesTheNetworkFormsOffsets() {
        byte[] lf = MESSAGE.replace("\r\n", "\n").replace("plain text", "plain\r\ntext").getBytes(StandardCharsets.UTF_8);
        byte[] net = Crlf.toCrlf(lf);
        MimeTree.Part fromFile = MimeTree.parse(lf);
        MimeTree.Part fromNet = MimeTree.parse(net);
        sameParts(fromFile, fromNet, lf, net);
    }

    /** The same structure and network offsets; the file offsets of {@code a} delimit the same octets in {@code lf}. */
    private static void sameParts(MimeTree.Part a, MimeTree.Part b, byte[] lf, byte[] net) {
        assertThat(List.of(a.headerStart().net(), a.bodyStart().net(), a.end().net(), a.bodyLines()))
                .isEqualTo(List.of(b.headerStart().net(), b.bodyStart().net(), b.end().net(), b.bodyLines()));
        assertThat(a.header()).isEqualTo(b.header());
        for (MimeTree.Pos[] r : List.of(new MimeTree.Pos[] {a.headerStart(), a.bodyStart()},
                new MimeTree.Pos[] {a.bodyStart(), a.end()})) {
            byte[] file = java.util.Arrays.copyOfRange(lf, (int) r[0].file(), (int) r[1].file());
            assertThat(str(Crlf.toCrlf(file))).isEqualTo(new String(net, (int) r[0].net(),
                    (int) (r[1].net() - r[0].net()), StandardCharsets.UTF_8));
        }
        assertThat(a.children()).hasSameSizeAs(b.children());
        for (int i = 0; i < a.children().size(); i++) {
            sameParts(a.children().get(i), b.children().get(i), lf, net);
        }
        assertThat(a.message() == null).isEqualTo(b.message() == null);
        if (a.message() != null) {
            sameParts(a.message(), b.message(), lf, net);
        }
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
