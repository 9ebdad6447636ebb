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
 * read for the attempt's DKIM signing (so entries queued by older versions need nothing recorded).
 *
 * @param size     the RFC 1870 message size: every octet sent after the 354, with the CRLF that
 *                 {@link org.mailwarden.smtpclient.SmtpConnection#sendData} adds when the message does not end
 *                 with a line end, but neither the doubled dots of dot-stuffing nor the final dot (RFC 1870)
 * @param eightBit some octet, in the header or the body, is 0x80 or above (RFC 6152)
 */
record Payload(byte[] prefix, Path message, long size, boolean eightBit) {

    /** The payload of {@code prefix} and the file {@code message}, whose content is {@code content}. */
    static Payload of(byte[] prefix, Path message, byte[] content) {
        byte[] last = content.length > 0 ? content : prefix;
        boolean endsWithLineEnd = last.length == 0 || last[last.length - 1] == '\n'; // nothing at all: no CRLF added
        long size = (long) prefix.length + content.length + (endsWithLineEnd ? 0 : 2);
        return new Payload(prefix, message, size, eightBit(prefix) || eightBit(content));
    }

    private static boolean eightBit(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
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
