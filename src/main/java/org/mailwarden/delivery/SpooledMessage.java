package org.mailwarden.delivery;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@link MessageView} of a spool file: a Maildir spool (LF line ends, after a Return-Path line of {@code head}
 * octets), served in network form; or a queue entry's message file, already in network form ({@code head} 0,
 * {@code maildirForm} false).
 */
final class SpooledMessage implements MessageView {

    private final Origin origin;
    private final Path file;
    private final boolean maildirForm;
    private final long head;
    private final long size;
    private HeaderSection header;

    SpooledMessage(Origin origin, Path file, boolean maildirForm, long head, long size) {
        this.origin = origin;
        this.file = file;
        this.maildirForm = maildirForm;
        this.head = head;
        this.size = size;
    }

    @Override
    public Origin origin() {
        return origin;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public InputStream open() throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            in.skipNBytes(head);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        return new BufferedInputStream(maildirForm ? new LfToCrlf(in) : in, 16 * 1024);
    }

    @Override
    public HeaderSection header() throws IOException {
        if (header == null) {
            try (InputStream in = open()) {
                header = HeaderSection.parse(in);
            }
        }
        return header;
    }

    /** File form to network form, streamed: an LF not preceded by CR gets one. */
    private static final class LfToCrlf extends FilterInputStream {
        private int previous = -1;
        private boolean lfDue;

        LfToCrlf(InputStream in) {
            super(new BufferedInputStream(in, 16 * 1024));
        }

        @Override
        public int read() throws IOException {
            if (lfDue) {
                lfDue = false;
                previous = '\n';
                return '\n';
            }
            int c = in.read();
            if (c == '\n' && previous != '\r') {
                lfDue = true;
                previous = '\r';
                return '\r';
            }
            previous = c;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = 0;
            while (n < len) {
                if (n > 0 && in.available() <= 0 && !lfDue) {
                    break;
                }
                int c = read();
                if (c < 0) {
                    break;
                }
                b[off + n++] = (byte) c;
            }
            return n == 0 ? -1 : n;
        }

        @Override
        public long skip(long n) throws IOException {
            long done = 0;
            while (done < n && read() >= 0) {
                done++;
            }
            return done;
        }

        @Override
        public int available() {
            return lfDue ? 1 : 0;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
