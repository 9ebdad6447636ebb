package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.store.Crlf;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/**
 * Sections streamed from the file (LF line ends, some CRLF) are exactly those of the message in network form: whole,
 * by part, partial, across the read buffer's edges and the CRs added on the way; SEARCH reads text parts as it goes.
 */
class ImapFetchStreamTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private static String message() {
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < 80_000; i++) {
            big.append("line ").append(i).append(i % 7 == 0 ? " with a CRLF\r\n" : "\n");
        }
        return "From: a@example.test\nSubject: parts\nContent-Type: multipart/mixed; boundary=\"sep\"\n\n"
                + "preamble\n--sep\nContent-Type: text/plain\n\n" + big + "\n--sep\nContent-Type: message/rfc822\n\n"
                + "Subject: inner\r\nContent-Type: multipart/alternative; boundary=alt\n\n--alt\n"
                + "Content-Type: text/plain\n\ninner text\r\n--alt--\n--sep--\nepilogue\n";
    }

    @Test
    void streamedSectionsAreTheNetworkFormsOctets() throws Exception {
        String file = message();
        Path inbox = server.get().inbox("alice@example.test");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("1700000001.M1P1.mx.example.test"), file);
        byte[] net = Crlf.toCrlf(file.getBytes(StandardCharsets.US_ASCII));
        MimeTree.Part tree = MimeTree.parse(net);
        MimeTree.Part one = tree.children().get(0);
        MimeTree.Part two = tree.children().get(1);
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("EXAMINE INBOX");
            check(c, "BODY[]", net, 0, net.length);
            check(c, "RFC822", net, 0, net.length);
            check(c, "BODY[TEXT]", net, tree.bodyStart().net(), tree.end().net());
            check(c, "RFC822.TEXT", net, tree.bodyStart().net(), tree.end().net());
            check(c, "BODY[HEADER]", net, 0, tree.bodyStart().net());
            check(c, "BODY[1]", net, one.bodyStart().net(), one.end().net());
            check(c, "BODY[1.MIME]", net, one.headerStart().net(), one.bodyStart().net());
            check(c, "BODY[2]", net, two.bodyStart().net(), two.end().net());
            check(c, "BODY[2.HEADER]", net, two.message().headerStart().net(), two.message().bodyStart().net());
            MimeTree.Part alt = two.message().children().getFirst();
            check(c, "BODY[2.1]", net, alt.bodyStart().net(), alt.end().net());
            assertThat(new String(net, (int) alt.bodyStart().net(), (int) alt.bodySize(), StandardCharsets.US_ASCII))
                    .isEqualTo("inner text");
            // partials: across the 32 KiB read buffer (in file offsets) and on the CRs the network form adds
            for (long at : List.of(0L, 7L, 32_700L, 32_760L, 32_768L, 32_770L, 33_000L, net.length - 5L)) {
                for (long len : List.of(1L, 2L, 3L, 100L, 40_000L)) {
                    long end = Math.min(net.length, at + len);
                    List<String> r = c.command("FETCH 1 BODY.PEEK[]<" + at + "." + len + ">");
                    assertThat(r.getFirst()).isEqualTo("* 1 FETCH (BODY[]<" + at + "> {" + (end - at) + "}\r\n"
                            + new String(net, (int) at, (int) (end - at), StandardCharsets.US_ASCII) + ")");
                }
            }
            long textAt = 5_000;
            List<String> r = c.command("FETCH 1 BODY.PEEK[1]<" + textAt + ".50000>");
            long from = one.bodyStart().net() + textAt;
            assertThat(r.getFirst()).isEqualTo("* 1 FETCH (BODY[1]<" + textAt + "> {50000}\r\n"
                    + new String(net, (int) from, 50_000, StandardCharsets.US_ASCII) + ")");
            assertThat(c.command("FETCH 1 (RFC822.SIZE)").getFirst())
                    .isEqualTo("* 1 FETCH (RFC822.SIZE " + net.length + ")");
        }
    }

    @Test
    void searchReadsTextPartsAsItGoes() throws Exception {
        StringBuilder plain = new StringBuilder();
        for (int i = 0; plain.length() < 70_000; i++) {
            plain.append("filler ").append(i).append('\n');
        }
        // "needle" across the reader's 8192-character pieces and beyond the 32 KiB read buffer
        String text = plain.substring(0, 8190) + "needle" + plain.substring(8190) + "haystack end\n";
        String base64 = java.util.Base64.getMimeEncoder().encodeToString(
                ("decoded " + "x".repeat(40_000) + " w\u00f6rd").getBytes(StandardCharsets.UTF_8));
        String message = "From: a@example.test\nSubject: search\nContent-Type: multipart/mixed; boundary=b\n\n"
                + "--b\nContent-Type: text/plain\n\n" + text + "--b\nContent-Type: text/plain; charset=utf-8\n"
                + "Content-Transfer-Encoding: base64\n\n" + base64 + "\n--b\nContent-Type: text/plain\n"
                + "Content-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak\n--b--\n";
        Path inbox = server.get().inbox("alice@example.test");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("1700000001.M1P1.mx.example.test"), message);
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("EXAMINE INBOX");
            for (String found : List.of("needle", "NEEDLE", "haystack end", "W\u00d6RD", "softbreak", "filler 5000")) {
                assertThat(c.command("SEARCH CHARSET UTF-8 BODY \"" + found + "\"")).as(found).contains("* SEARCH 1");
            }
            for (String missing : List.of("needles", "decodedx", "soft=")) {
                assertThat(c.command("SEARCH BODY \"" + missing + "\"")).as(missing).contains("* SEARCH")
                        .doesNotContain("* SEARCH 1");
            }
            assertThat(c.command("SEARCH TEXT search")).contains("* SEARCH 1");
        }
    }

    private static void check(ImapClient c, String item, byte[] net, long from, long to) throws Exception {
        String peek = item.startsWith("BODY[") ? item.replace("BODY[", "BODY.PEEK[") : item;
        List<String> r = c.command("FETCH 1 " + peek);
        assertThat(r.getFirst()).as(item).isEqualTo("* 1 FETCH (" + item + " {" + (to - from) + "}\r\n"
                + new String(net, (int) from, (int) (to - from), StandardCharsets.US_ASCII) + ")");
        assertThat(r.getLast()).endsWith("OK FETCH completed");
    }
}
