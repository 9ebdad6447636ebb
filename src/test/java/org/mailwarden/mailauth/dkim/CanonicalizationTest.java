package org.mailwarden.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming body canonicalization against a direct transcription of RFC 6376 3.4.3/3.4.4 on the whole body, for
 * random bodies fed in random chunks (a CRLF or a run of white space split across two reads included); and the
 * header canonicalization's examples from RFC 6376 3.4.5.
 */
class CanonicalizationTest {

    @Test
    void rfcExamples() throws Exception {
        String a = "A: X";
        String b = "B : Y\t\r\n\tZ  ";
        assertThat(Canonicalization.RELAXED.header(a)).isEqualTo("a:X");
        assertThat(Canonicalization.RELAXED.header(b)).isEqualTo("b:Y Z");
        assertThat(Canonicalization.SIMPLE.header(b)).isEqualTo(b);
        assertBody(Canonicalization.RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
        assertBody(Canonicalization.SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
        assertBody(Canonicalization.SIMPLE, "", "\r\n");
        assertBody(Canonicalization.RELAXED, "", "");
        assertBody(Canonicalization.RELAXED, "\r\n \r\n", "");
        assertBody(Canonicalization.SIMPLE, "x", "x\r\n");
    }

    @Test
    void streamingEqualsTheWholeBodyReference() throws Exception {
        Random r = new Random(13);
        String alphabet = "ab \t\r\n\n.\u00e9";
        for (int round = 0; round < 2000; round++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(60);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String raw = sb.toString();
            byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
            for (Canonicalization c : List.of(Canonicalization.SIMPLE, Canonicalization.RELAXED)) {
                String expected = reference(c, raw);
                BodyHash h = new BodyHash(c, -1);
                int pos = 0;
                while (pos < bytes.length) {
                    int n = 1 + r.nextInt(4);
                    n = Math.min(n, bytes.length - pos);
                    h.update(bytes, pos, n);
                    pos += n;
                }
                assertThat(h.finish()).as("%s %s", c, raw.replace("\r", "\\r").replace("\n", "\\n"))
                        .isEqualTo(sha256(expected));
                assertThat(h.canonicalLength()).isEqualTo(expected.length());
                long l = expected.isEmpty() ? 0 : r.nextInt(expected.length() + 1);
                BodyHash limited = new BodyHash(c, l);
                BodyHash.feed(new ByteArrayInputStream(bytes), List.of(limited));
                assertThat(limited.finish()).isEqualTo(sha256(expected.substring(0, (int) l)));
                assertThat(limited.partlyCovered()).isEqualTo(l < expected.length());
            }
        }
    }

    /** RFC 6376 3.4.3 and 3.4.4 applied to the whole body (a bare LF taken as a line end, as the stream does). */
    static String reference(Canonicalization c, String body) {
        String b = body.replace("\r\n", "\n").replace("\n", "\r\n");
        if (c == Canonicalization.RELAXED) {
            b = b.replaceAll("[ \t]+\r\n", "\r\n").replaceAll("[ \t]+\\z", "").replaceAll("[ \t]+", " ");
            b = b.replaceAll("(\r\n)+\\z", "");
            return b.isEmpty() ? "" : b + "\r\n";
        }
        b = b.replaceAll("(\r\n)+\\z", "");
        return b + "\r\n";
    }

    static void assertBody(Canonicalization c, String body, String canonical) throws Exception {
        BodyHash h = new BodyHash(c, -1);
        BodyHash.feed(new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)), List.of(h));
        assertThat(h.finish()).as(body).isEqualTo(sha256(canonical));
        assertThat(h.canonicalLength()).isEqualTo(canonical.length());
        assertThat(reference(c, body)).isEqualTo(canonical);
    }

    static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
