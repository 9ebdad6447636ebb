package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.store.Crlf;
import org.mailwarden.mail.HeaderFields;
import org.mailwarden.store.MaildirFolder;
import org.mailwarden.support.TestMaildir;

/** SEARCH's header path: the folder's header cache and the one-field scan agree with the full MIME parse. */
class SearchHeaderTest {

    static final List<String> HEADERS = List.of(
            "From: Ann <ann@example.test>\nSubject: hello\n\nbody\nFrom: not a header\n",
            "From: Ann <ann@example.test>\r\nSubject: folded\r\n  line two\r\n\tline three\r\n\r\nbody\r\n",
            "subject : spaced name\nSUBJECT:second\n  cont\nX-Bad line without colon\n  orphan continuation\nFrom:x\n\n",
            "\nno header at all\nSubject: in the body\n",
            "Subject: no body, no blank line",
            "Received: a\n b\nSubject: =?UTF-8?Q?caf=C3=A9?=\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\nx",
            "Subject: cr\rinside\r\r\nFrom: y\n\n",
            "Subject: unicode \u00e9\u00e8 \u4e2d\nFrom: z\n\n");

    @Test
    void fieldScanMatchesFullParse(@TempDir Path dir) throws Exception {
        TestMaildir.create(dir);
        for (int i = 0; i < HEADERS.size(); i++) {
            Files.writeString(dir.resolve("cur").resolve("100" + i + ".M" + i + "P1.test:2,"), HEADERS.get(i));
        }
        MaildirFolder folder = MaildirFolder.open(dir);
        for (MaildirFolder.Message m : folder.messages()) {
            byte[] file = folder.read(m.uid()).orElseThrow();
            MimeTree.Part full = MimeTree.parse(Crlf.toCrlf(file));
            String header = folder.header(m.uid()).orElseThrow();
            assertThat(folder.header(m.uid()).orElseThrow()).isSameAs(folder.header(m.uid()).orElseThrow());
            for (String name : List.of("From", "Subject", "subject", "Date", "Received", "X-Bad", "Missing")) {
                List<String> expected = new ArrayList<>();
                for (MimeTree.Field f : full.fields()) {
                    if (f.name().equalsIgnoreCase(name)) {
                        expected.add(f.value());
                    }
                }
                assertThat(HeaderFields.values(header, name)).as("%s in %s", name, header).isEqualTo(expected);
            }
        }
    }

    @Test
    void headerReadStopsAtTheBlankLineAcrossBufferBoundaries(@TempDir Path dir) throws Exception {
        TestMaildir.create(dir);
        String longHeader = "X-Long: " + "a".repeat(4093) + "\n\nbody\n" + "b".repeat(10000);
        Files.writeString(dir.resolve("cur").resolve("1.M1P1.test:2,"), longHeader);
        MaildirFolder folder = MaildirFolder.open(dir);
        long uid = folder.messages().getFirst().uid();
        assertThat(folder.header(uid).orElseThrow()).isEqualTo("X-Long: " + "a".repeat(4093) + "\n\n");
        folder.expunge(List.of(uid));
        assertThat(folder.header(uid)).isEmpty();
    }
}
