package org.mailwarden.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one delivery attempt of a queued message transmits after DATA: {@code prefix} (DKIM-Signature fields)
 * then the message file (CRLF form), with the two facts MAIL FROM declares about them, found from the message as
 * streamed for the attempt (so entries queued by older versions need nothing recorded).
 *
 * @param size     the RFC 1870 message size: every octet sent after the 354, with the CRLF that
 *                 {@link org.mailwarden.smtpclient.SmtpConnection#sendData} adds when the message does not end
 *                 with a line end, but neither the doubled dots of dot-stuffing nor the final dot (RFC 1870)
 * @param eightBit some octet, in the header or the body, is 0x80 or above (RFC 6152)
 */
record Payload(byte[] prefix, Path message, long size, boolean eightBit) {

    /** The payload of {@code prefix} and the file {@code message}, measured in one streamed pass over the file. */
    static Payload of(byte[] prefix, Path message) throws IOException {
        long length = 0;
        boolean eightBit = eightBit(prefix, prefix.length);
        boolean endsWithLineEnd = prefix.length == 0 || prefix[prefix.length - 1] == '\n'; // nothing: no CRLF added
        try (InputStream in = Files.newInputStream(message)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                length += n;
                eightBit = eightBit || eightBit(buf, n);
                endsWithLineEnd = buf[n - 1] == '\n';
            }
        }
        return new Payload(prefix, message, prefix.length + length + (endsWithLineEnd ? 0 : 2), eightBit);
    }

    private static boolean eightBit(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] < 0) {
                return true;
            }
        }
        return false;
    }

    /** The octets to send: the prefix, then the message file. */
    InputStream open() throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(prefix), Files.newInputStream(message));
    }
}
