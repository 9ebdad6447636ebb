package org.mailwarden.store;

import java.io.IOException;
import java.io.InputStream;

/**
 * Line-end conversion between the Maildir file (LF, Dovecot's default) and the network form IMAP serves (CRLF).
 * An LF not preceded by CR becomes CRLF; everything else is kept, so {@link #size} equals Dovecot's W= field.
 */
public final class Crlf {

    private Crlf() {}

    /** The length of {@code file} in network form: every LF not preceded by CR counts twice. */
    public static int size(byte[] file) {
        int n = file.length;
        for (int i = 0; i < file.length; i++) {
            if (file[i] == '\n' && (i == 0 || file[i - 1] != '\r')) {
                n++;
            }
        }
        return n;
    }

    /** {@link #size(byte[])} of what {@code file} reads, counted as it goes (the stream is read to its end). */
    public static long size(InputStream file) throws IOException {
        byte[] buf = new byte[8192];
        long size = 0;
        int previous = -1;
        int n;
        while ((n = file.read(buf)) > 0) {
            size += n;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n' && previous != '\r') {
                    size++;
                }
                previous = buf[i];
            }
        }
        return size;
    }

    /** File form to network form. */
    public static byte[] toCrlf(byte[] file) {
        int size = size(file);
        if (size == file.length) {
            return file;
        }
        byte[] out = new byte[size];
        int p = 0;
        for (int i = 0; i < file.length; i++) {
            byte c = file[i];
            if (c == '\n' && (i == 0 || file[i - 1] != '\r')) {
                out[p++] = '\r';
            }
            out[p++] = c;
        }
        return out;
    }

    /** Network form to file form: CR before LF is dropped, a bare CR kept. */
    public static byte[] toLf(byte[] network) {
        int n = 0;
        for (int i = 0; i < network.length; i++) {
            if (!(network[i] == '\r' && i + 1 < network.length && network[i + 1] == '\n')) {
                n++;
            }
        }
        byte[] out = new byte[n];
        int p = 0;
        for (int i = 0; i < network.length; i++) {
            if (!(network[i] == '\r' && i + 1 < network.length && network[i + 1] == '\n')) {
                out[p++] = network[i];
            }
        }
        return out;
    }
}
