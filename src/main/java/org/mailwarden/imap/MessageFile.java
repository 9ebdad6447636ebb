package org.mailwarden.imap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Optional;
import org.mailwarden.store.Crlf;
import org.mailwarden.store.Mailbox;
import org.mailwarden.store.MessageInfo;

/**
 * A message file open for FETCH, read through one buffer that the FETCH command lends to each of its messages: a
 * message that fits is read once, whatever is asked of it; a larger one is read again for each item, never held
 * whole. Serves ranges of the message in network form (LF as CRLF, converted on the way) with exactly the length
 * announced for them.
 */
final class MessageFile implements AutoCloseable {

    private final SeekableByteChannel channel;
    private final Mailbox folder;
    private final long fileSize;
    private final MessageInfo message;
    private final byte[] buf;
    private long bufStart;
    private int bufLen;
    private long networkSize = -1;
    private MimeTree.Part header;
    private MimeTree.Part structure;

    private MessageFile(SeekableByteChannel channel, Mailbox folder, MessageInfo message, byte[] buf)
            throws IOException {
        this.channel = channel;
        this.folder = folder;
        this.message = message;
        this.buf = buf;
        this.fileSize = channel.size();
    }

    /** The message's file, or empty if it is gone. */
    static Optional<MessageFile> open(Mailbox folder, MessageInfo m, byte[] buf) throws IOException {
        Optional<SeekableByteChannel> ch = folder.openChannel(m.uid());
        if (ch.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new MessageFile(ch.get(), folder, m, buf));
        } catch (IOException | RuntimeException e) {
            ch.get().close();
            throw e;
        }
    }

    /**
     * The message's size in network form (RFC822.SIZE): the index's when the stored size it knows is the file's, else
     * counted from the file.
     */
    long networkSize() throws IOException {
        if (networkSize < 0) {
            if (message.vsize() < 0) {
                networkSize = folder.virtualSize(message); // counted once, then remembered by the folder
            } else {
                long s = message.storedSize();
                // an index whose stored size is not the file's (Maildir: S= of the name) does not know its W= either
                networkSize = s < 0 || s == fileSize ? message.vsize() : Crlf.size(stream(0));
            }
        }
        return networkSize;
    }

    /** The whole message, as a range. */
    FetchData.Content.Range whole() throws IOException {
        return new FetchData.Content.Range(new MimeTree.Pos(0, 0, 0), new MimeTree.Pos(networkSize(), fileSize, 0));
    }

    /** The message's header (for ENVELOPE and the top-level HEADER and TEXT), or its whole structure if known. */
    MimeTree.Part header() throws IOException {
        if (structure != null) {
            return structure;
        }
        if (header == null) {
            header = MimeTree.header(stream(0), new MimeTree.Pos(networkSize(), fileSize, 0));
        }
        return header;
    }

    /** The message's MIME structure (for BODYSTRUCTURE and part sections): one pass over the file. */
    MimeTree.Part structure() throws IOException {
        if (structure == null) {
            structure = MimeTree.parse(stream(0));
        }
        return structure;
    }

    /**
     * Writes {@code length} octets of the message in network form to {@code out}: those of {@code range} after the
     * first {@code skip} (a partial FETCH). Should the file end early, the rest is spaces: the length was announced.
     */
    void copy(FetchData.Content.Range range, long skip, long length, OutputStream out) throws IOException {
        Window w = new Window(skip, length, out);
        long pos = range.from().file();
        int previous = '\n'; // a range starts at the start of a line
        while (w.left > 0 && pos < fileSize) {
            if (pos < bufStart || pos >= bufStart + bufLen) {
                fill(pos);
                if (bufLen == 0) {
                    break;
                }
            }
            int run = (int) (pos - bufStart);
            for (int i = run; i < bufLen && w.left > 0; i++) {
                if (buf[i] == '\n' && previous != '\r') {
                    w.put(buf, run, i - run);
                    w.put(CR, 0, 1); // the CR the file does not have
                    run = i;
                }
                previous = buf[i];
            }
            w.put(buf, run, bufLen - run);
            pos = bufStart + bufLen;
        }
        for (; w.left > 0; w.left--) {
            out.write(' ');
        }
    }

    private static final byte[] CR = {'\r'};

    /** The octets of a range that go out: past the first {@code skip}, at most {@code left}. */
    private static final class Window {
        private long skip;
        private long left;
        private final OutputStream out;

        Window(long skip, long left, OutputStream out) {
            this.skip = skip;
            this.left = left;
            this.out = out;
        }

        void put(byte[] b, int off, int len) throws IOException {
            int dropped = (int) Math.min(skip, len);
            skip -= dropped;
            int n = (int) Math.min(left, len - dropped);
            if (n > 0) {
                out.write(b, off + dropped, n);
                left -= n;
            }
        }
    }

    /** The file from {@code from} on, through the buffer: no read for what the buffer already holds. */
    InputStream stream(long from) {
        return stream(from, fileSize);
    }

    /** The file from {@code from} to {@code to}, through the buffer. */
    InputStream stream(long from, long to) {
        long end = Math.min(to, fileSize);
        return new InputStream() {
            private long pos = from;

            @Override
            public int read() throws IOException {
                if (!ready()) {
                    return -1;
                }
                return buf[(int) (pos++ - bufStart)] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!ready()) {
                    return -1;
                }
                int at = (int) (pos - bufStart);
                int n = (int) Math.min(Math.min(len, bufLen - at), end - pos);
                System.arraycopy(buf, at, b, off, n);
                pos += n;
                return n;
            }

            /** Whether there is more, then in the buffer. */
            private boolean ready() throws IOException {
                if (pos >= end) {
                    return false;
                }
                if (pos < bufStart || pos >= bufStart + bufLen) {
                    fill(pos);
                }
                return bufLen > 0;
            }
        };
    }

    private void fill(long pos) throws IOException {
        bufStart = pos;
        bufLen = 0;
        ByteBuffer bb = ByteBuffer.wrap(buf);
        while (bb.hasRemaining() && pos + bb.position() < fileSize) {
            channel.position(pos + bb.position());
            if (channel.read(bb) < 0) {
                break;
            }
        }
        bufLen = bb.position();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
