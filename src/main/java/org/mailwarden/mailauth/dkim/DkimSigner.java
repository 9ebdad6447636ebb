package org.mailwarden.mailauth.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * DKIM signatures (RFC 6376) with relaxed/relaxed canonicalization: rsa-sha256 and ed25519-sha256 (RFC 8463).
 * Messages are handled as ISO-8859-1 strings so every byte maps to one char and back unchanged.
 */
public final class DkimSigner {

    /** Signed when present, in this order; From is signed once more than it occurs (oversigned). */
    public static final List<String> HEADERS = List.of("from", "to", "cc", "subject", "date", "message-id",
            "mime-version", "content-type", "reply-to", "in-reply-to", "references");

    private DkimSigner() {}

    /** Returns the DKIM-Signature header field (folded, ending in CRLF) to prepend to {@code message}. */
    public static String sign(byte[] message, DkimKey key, Instant now) {
        String msg = new String(message, StandardCharsets.ISO_8859_1);
        int split = headerEnd(msg);
        String header = split < 0 ? msg : msg.substring(0, split);
        String body = split < 0 ? "" : msg.substring(split + 2);
        List<String> fields = fields(header);

        String bh = Base64.getEncoder().encodeToString(sha256(relaxedBody(body)));
        // choose instances bottom-up (RFC 6376 5.4.2)
        List<String> signedNames = new ArrayList<>();
        StringBuilder hashInput = new StringBuilder();
        for (String name : HEADERS) {
            List<String> instances = new ArrayList<>();
            for (String f : fields) {
                if (fieldName(f).equals(name)) {
                    instances.add(f);
                }
            }
            for (int i = instances.size() - 1; i >= 0; i--) {
                signedNames.add(name);
                hashInput.append(relaxedHeader(instances.get(i))).append("\r\n");
            }
            if (name.equals("from")) {
                signedNames.add(name); // oversigning: no From can be added above ours
            }
        }
        StringBuilder sig = new StringBuilder("DKIM-Signature: v=1; a=").append(key.algorithm())
                .append("; c=relaxed/relaxed; d=").append(key.domain()).append("; s=").append(key.selector())
                .append(";\r\n\tt=").append(now.getEpochSecond()).append("; h=");
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
        sig.append(";\r\n\tbh=").append(bh).append(";\r\n\tb=");
        String unsigned = sig.toString();
        hashInput.append(relaxedHeader(unsigned));
        byte[] signature = signBytes(key, hashInput.toString().getBytes(StandardCharsets.ISO_8859_1));
        String b = Base64.getEncoder().encodeToString(signature);
        StringBuilder out = new StringBuilder(unsigned);
        for (int i = 0; i < b.length(); i += 72) {
            if (i > 0) {
                out.append("\r\n\t ");
            }
            out.append(b, i, Math.min(b.length(), i + 72));
        }
        return out.append("\r\n").toString();
    }

    private static byte[] signBytes(DkimKey key, byte[] data) {
        try {
            if (key.isEd25519()) {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key.privateKey());
                s.update(sha256(data)); // RFC 8463: PureEdDSA over the SHA-256 hash
                return s.sign();
            }
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.privateKey());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DKIM signing failed: " + e, e);
        }
    }

    /** Offset of the CRLF CRLF ending the header (pointing at the blank line's CR), or -1. */
    static int headerEnd(String msg) {
        if (msg.startsWith("\r\n")) {
            return 0;
        }
        int i = msg.indexOf("\r\n\r\n");
        return i < 0 ? -1 : i + 2;
    }

    /** Header fields with their continuation lines, without the final CRLF. */
    static List<String> fields(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        for (String line : header.split("\r\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && cur != null) {
                cur.append("\r\n").append(line);
            } else {
                if (cur != null) {
                    out.add(cur.toString());
                }
                cur = new StringBuilder(line);
            }
        }
        if (cur != null) {
            out.add(cur.toString());
        }
        return out;
    }

    static String fieldName(String field) {
        int colon = field.indexOf(':');
        return (colon < 0 ? field : field.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
    }

    /** RFC 6376 3.4.2. */
    static String relaxedHeader(String field) {
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = field.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
        return name + ":" + value;
    }

    /** RFC 6376 3.4.4. */
    static byte[] relaxedBody(String body) {
        String[] lines = body.split("\r\n", -1);
        StringBuilder sb = new StringBuilder(body.length());
        int last = lines.length - 1;
        // a trailing CRLF produces a final empty element; drop empty lines at the end
        List<String> out = new ArrayList<>(lines.length);
        for (String l : lines) {
            out.add(l.replaceAll("[ \t]+", " ").replaceAll(" $", ""));
        }
        while (last >= 0 && out.get(last).isEmpty()) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            sb.append(out.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(String data) {
        return sha256(data.getBytes(StandardCharsets.ISO_8859_1));
    }
}
