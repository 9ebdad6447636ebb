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

    /** As {@link #size(byte[])}, read from a stream through a small buffer (the file need not fit in memory). */
    public static long size(InputStream file) throws IOException {
        byte[] buf = new byte[8192];
        long n = 0;
        boolean cr = false;
        int k;
        while ((k = file.read(buf)) > 0) {
            n += k;
            for (int i = 0; i < k; i++) {
                byte c = buf[i];
                if (c == '\n' && !cr) {
                    n++;
                }
                cr = c == '\r';
            }
        }
        return n;
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
