package org.mailwarden.mailauth.dkim;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Messages whose DKIM signatures (by the fixed test keys) are kept as golden files: the signer's output must not change. */
final class SignerGoldenMessages {
    private SignerGoldenMessages() {}

    static Map<String, byte[]> all() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("plain", crlf("From: Alice <alice@example.test>\nTo: bob@remote.test\nSubject: Hello\n"
                + "Date: Wed, 02 Dec 2026 06:00:00 +0000\nMessage-ID: <1@example.test>\n\nHello Bob.\n"));
        m.put("folded", crlf("From: Alice\n  <alice@example.test>\nTo: bob@remote.test,\n\tcarol@remote.test\n"
                + "To: dave@remote.test\nSubject:   Many    spaces\t here  \nX-Other: x\n"
                + "MIME-Version: 1.0\nContent-Type: text/plain;\n charset=utf-8\n\n"
                + "Line one  \n  spaced \t line\t\n\n\n.leading dot\n\n\n\n"));
        m.put("empty-body", crlf("From: alice@example.test\nSubject: nothing\n\n"));
        m.put("no-body", crlf("From: alice@example.test\nSubject: header only\n"));
        m.put("no-final-crlf", "From: alice@example.test\r\nSubject: x\r\n\r\nlast line without end"
                .getBytes(StandardCharsets.ISO_8859_1));
        m.put("eight-bit", "From: =?utf-8?q?J=C3=B6rg?= <j@example.test>\r\nSubject: Grüße\r\n\r\nGrüße, Jörg\r\n"
                .getBytes(StandardCharsets.UTF_8));
        return m;
    }

    static byte[] crlf(String s) {
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
