package org.mailwarden.mailauth.dkim;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * DKIM signatures (RFC 6376) with relaxed/relaxed canonicalization: rsa-sha256 and ed25519-sha256 (RFC 8463). The
 * message streams: the header section is read bounded ({@link RawHeader}), the body hashed as it passes, once for all
 * the keys.
 */
public final class DkimSigner {

    /** Signed when present, in this order; From is signed once more than it occurs (oversigned). */
    public static final List<String> HEADERS = List.of("from", "to", "cc", "subject", "date", "message-id",
            "mime-version", "content-type", "reply-to", "in-reply-to", "references");

    private DkimSigner() {}

    /** Returns the DKIM-Signature header field (folded, ending in CRLF) to prepend to {@code message}. */
    public static String sign(byte[] message, DkimKey key, Instant now) {
        try {
            return sign(new ByteArrayInputStream(message), List.of(key), now).getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One DKIM-Signature field per key (folded, each ending in CRLF), to prepend to the message in that order.
     *
     * @throws IllegalArgumentException when the header section exceeds {@link RawHeader}'s bounds
     */
    public static List<String> sign(InputStream message, List<DkimKey> keys, Instant now) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 16384);
        RawHeader header = RawHeader.read(in);
        if (!header.complete()) {
            throw new IllegalArgumentException("header section exceeds " + RawHeader.MAX_OCTETS + " octets or "
                    + RawHeader.MAX_FIELDS + " fields; not signed");
        }
        BodyHash body = new BodyHash(Canonicalization.RELAXED, -1);
        BodyHash.feed(in, List.of(body));
        List<String> out = new ArrayList<>(keys.size());
        for (DkimKey k : keys) {
            out.add(signatureField("DKIM-Signature", "v=1", header, HEADERS, k, now, body.finish()));
        }
        return out;
    }

    /**
     * A signature field in DKIM's form (DKIM-Signature, or ARC-Message-Signature with {@code firstTag} "i=N"):
     * relaxed/relaxed, the fields of {@code names} present in the header (bottom-up; From once more than present),
     * the body hash given. Folded, ending in CRLF.
     */
    public static String signatureField(String fieldName, String firstTag, RawHeader header, List<String> names,
            DkimKey key, Instant now, byte[] bodyHash) {
        Map<String, List<Integer>> index = header.index();
        List<String> signedNames = new ArrayList<>();
        for (String name : names) {
            int present = index.getOrDefault(name, List.of()).size();
            for (int i = 0; i < present; i++) {
                signedNames.add(name);
            }
            if (name.equals("from")) {
                signedNames.add(name); // oversigning: no From can be added above ours
            }
        }
        StringBuilder sig = new StringBuilder(fieldName).append(": ").append(firstTag).append("; a=")
                .append(key.algorithm()).append("; c=relaxed/relaxed; d=").append(key.domain()).append("; s=")
                .append(key.selector()).append(";\r\n\tt=").append(now.getEpochSecond()).append("; h=");
        int lineLen = 8;
        for (int i = 0; i < signedNames.size(); i++) {
            String n = signedNames.get(i) + (i + 1 < signedNames.size() ? ":" : "");
            if (lineLen + n.length() > 72) {
                sig.append("\r\n\t");
                lineLen = 1;
            }
            sig.append(n);
            lineLen += n.length();
        }
        sig.append(";\r\n\tbh=").append(Base64.getEncoder().encodeToString(bodyHash)).append(";\r\n\tb=");
        String unsigned = sig.toString();
        byte[] data = DkimSignature.hashInput(header.fields(), index, signedNames, Canonicalization.RELAXED,
                unsigned);
        return unsigned + fold(Base64.getEncoder().encodeToString(signingAlgorithm(key).sign(key.privateKey(),
                data))) + "\r\n";
    }

    /** A base64 value folded into lines of 72 characters (continuation lines start with tab and space). */
    public static String fold(String b) {
        StringBuilder out = new StringBuilder(b.length() + b.length() / 24);
        for (int i = 0; i < b.length(); i += 72) {
            if (i > 0) {
                out.append("\r\n\t ");
            }
            out.append(b, i, Math.min(b.length(), i + 72));
        }
        return out.toString();
    }

    public static SigningAlgorithm signingAlgorithm(DkimKey key) {
        return key.isEd25519() ? SigningAlgorithm.ED25519_SHA256 : SigningAlgorithm.RSA_SHA256;
    }
}
