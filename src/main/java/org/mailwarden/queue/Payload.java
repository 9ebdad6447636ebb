package org.mailwarden.queue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one delivery attempt of a queued message transmits after DATA: {@code prefix} (DKIM-Signature fields)
 * then the message file (CRLF form), with the two facts MAIL FROM declares about them, found by reading the
 * file once per attempt (so entries queued by older versions need nothing recorded).
 *
 * @param size     the RFC 1870 message size: every octet sent after the 354, with the CRLF that
 *                 {@link org.mailwarden.smtpclient.SmtpConnection#sendData} adds when the message does not end
 *                 with a line end, but neither the doubled dots of dot-stuffing nor the final dot (RFC 1870)
 * @param eightBit some octet, in the header or the body, is 0x80 or above (RFC 6152)
 */
record Payload(byte[] prefix, Path message, long size, boolean eightBit) {

    static Payload scan(byte[] prefix, Path message) throws IOException {
        long size = 0;
        boolean eightBit = false;
        boolean endsWithLineEnd = true; // an empty message gets no CRLF added either
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = open(prefix, message)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n && !eightBit; i++) {
                    eightBit = buf[i] < 0;
                }
                size += n;
                endsWithLineEnd = buf[n - 1] == '\n';
            }
        }
        if (!endsWithLineEnd) {
            size += 2;
        }
        return new Payload(prefix, message, size, eightBit);
    }

    /** The octets to send: the prefix, then the message file. */
    InputStream open() throws IOException {
        return open(prefix, message);
    }

    private static InputStream open(byte[] prefix, Path message) throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(prefix), Files.newInputStream(message));
    }
}
