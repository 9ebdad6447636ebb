package org.mailwarden.mailauth.dkim;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Signs with any tags a test wants (l=, x=, c=simple, i=, a=...), for the cases DkimSigner never produces: the tags
 * are given without bh= and b=, which are computed (by the canonicalization dkimpy agrees with, see DkimInteropTest).
 */
final class TestSigner {
    private TestSigner() {}

    static String sign(byte[] message, PrivateKey key, SigningAlgorithm alg, String tags) throws IOException {
        try {
            TagList t = TagList.parse(tags);
            Canonicalization[] c = Canonicalization.parse(t.get("c"));
            long l = t.has("l") ? Long.parseLong(t.get("l")) : -1;
            var in = new BufferedInputStream(new ByteArrayInputStream(message));
            RawHeader header = RawHeader.read(in);
            BodyHash body = new BodyHash(c[1], l);
            BodyHash.feed(in, List.of(body));
            String field = "DKIM-Signature: " + tags + (tags.strip().endsWith(";") ? "" : ";") + "\r\n\tbh="
                    + Base64.getEncoder().encodeToString(body.finish()) + "; b=";
            List<String> h = new ArrayList<>();
            for (String n : t.get("h").split(":")) {
                h.add(n.strip().toLowerCase(Locale.ROOT));
            }
            byte[] data = DkimSignature.hashInput(header.fields(), header.index(), h, c[0], field);
            return field + DkimSigner.fold(Base64.getEncoder().encodeToString(alg.sign(key, data))) + "\r\n";
        } catch (TagList.Malformed e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] prepend(String field, byte[] message) {
        byte[] f = field.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[f.length + message.length];
        System.arraycopy(f, 0, out, 0, f.length);
        System.arraycopy(message, 0, out, f.length, message.length);
        return out;
    }

    static byte[] bytes(String s) {
        return s.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
