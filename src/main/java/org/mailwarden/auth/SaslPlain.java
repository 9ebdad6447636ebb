package org.mailwarden.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** An RFC 4616 PLAIN message: authzid NUL authcid NUL passwd. Shared by SMTP AUTH and IMAP AUTHENTICATE. */
public record SaslPlain(String authzid, String authcid, char[] password) {

    /**
     * Decodes a base64 SASL response (RFC 4954 4: "=" is the empty response). Throws IllegalArgumentException
     * when it is not base64.
     */
    public static byte[] decodeBase64(String response) {
        String r = response.strip();
        return r.equals("=") ? new byte[0] : Base64.getDecoder().decode(r);
    }

    /** Parses a decoded PLAIN message, wiping it; null when it does not have the two NUL separators. */
    public static SaslPlain parse(byte[] message) {
        try {
            int n1 = indexOfNul(message, 0);
            int n2 = n1 < 0 ? -1 : indexOfNul(message, n1 + 1);
            if (n2 < 0) {
                return null;
            }
            return new SaslPlain(new String(message, 0, n1, StandardCharsets.UTF_8),
                    new String(message, n1 + 1, n2 - n1 - 1, StandardCharsets.UTF_8),
                    chars(message, n2 + 1, message.length - n2 - 1));
        } finally {
            Arrays.fill(message, (byte) 0);
        }
    }

    /** An authorization identity other than the login itself: proxy authentication, which is not offered. */
    public boolean authzidMismatch() {
        return !authzid.isEmpty() && !authzid.equalsIgnoreCase(authcid);
    }

    /** UTF-8 bytes to chars without an intermediate String, so the password can be wiped. */
    public static char[] chars(byte[] b, int off, int len) {
        CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(b, off, len));
        char[] out = new char[cb.remaining()];
        cb.get(out);
        Arrays.fill(cb.array(), '\0');
        return out;
    }

    private static int indexOfNul(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
