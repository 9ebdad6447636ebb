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

    /**
     * File form to network form, streamed: an LF not preceded by CR gets one. Converts a chunk at a time from its own
     * buffer (no per-octet call, and no {@code available()} on the file, which is a system call each time).
     */
    private static final class LfToCrlf extends FilterInputStream {
        private final byte[] raw = new byte[16 * 1024];
        private int pos;
        private int len;
        private int previous = -1;
        private boolean lfDue;

        LfToCrlf(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int n) throws IOException {
            if (n == 0) {
                return 0;
            }
            int done = 0;
            while (done < n) {
                if (lfDue) {
                    lfDue = false;
                    previous = '\n';
                    b[off + done++] = '\n';
                    continue;
                }
                if (pos == len) {
                    if (done > 0) {
                        break; // what is converted goes out; the next read refills
                    }
                    len = in.read(raw, 0, raw.length);
                    pos = 0;
                    if (len <= 0) {
                        len = 0;
                        return -1;
                    }
                }
                byte c = raw[pos++];
                if (c == '\n' && previous != '\r') {
                    lfDue = true;
                    previous = '\r';
                    b[off + done++] = '\r';
                } else {
                    previous = c;
                    b[off + done++] = c;
                }
            }
            return done;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] sink = new byte[(int) Math.min(8192, Math.max(1, n))];
            long done = 0;
            while (done < n) {
                int r = read(sink, 0, (int) Math.min(sink.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        @Override
        public int available() {
            return (lfDue ? 1 : 0) + (len - pos);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
