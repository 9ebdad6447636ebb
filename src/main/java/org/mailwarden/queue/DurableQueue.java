package org.mailwarden.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.mailwarden.config.PrivateFiles;
import org.mailwarden.store.IncomingMessage;

/**
 * The outbound queue on disk ({@link QueueDir} layout). {@link #begin} streams a message into {@code tmp/};
 * commit fsyncs it, writes the envelope, renames both into place (envelope last) and fsyncs the directory, all
 * before the SMTP session answers 250. The delivery agent is woken after each commit.
 */
public final class DurableQueue implements OutboundQueue {

    private final QueueDir dir;
    private volatile Runnable onCommit = () -> { };

    public DurableQueue(Path dir) {
        this.dir = new QueueDir(dir);
    }

    public QueueDir queueDir() {
        return dir;
    }

    public Path dir() {
        return dir.dir();
    }

    /** Called after every commit (the delivery agent's wake-up). */
    public void onCommit(Runnable r) {
        this.onCommit = r;
    }

    @Override
    public IncomingMessage begin(String id, String sender, List<String> recipients) throws IOException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
        if (!QueueDir.validId(id)) {
            throw new IllegalArgumentException("bad queue id " + id);
        }
        dir.createdTmp();
        return new Entry(id, sender == null ? "" : sender, List.copyOf(recipients));
    }

    /** Queues a whole message (bounces, forwards of local deliveries); returns the new id. */
    public String enqueue(String sender, List<String> recipients, byte[] message) throws IOException {
        try (IncomingMessage m = begin(sender, recipients)) {
            m.write(message, 0, message.length);
            return m.commit();
        }
    }

    private final class Entry implements IncomingMessage {
        private final String id;
        private final String sender;
        private final List<String> recipients;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;
        private boolean committed;

        Entry(String id, String sender, List<String> recipients) throws IOException {
            this.id = id;
            this.sender = sender;
            this.recipients = recipients;
            this.tmp = dir.tmp().resolve(id + ".eml");
            this.channel = PrivateFiles.create(tmp);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            out.write(buf, off, len);
            size += len;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public String commit() throws IOException {
            out.flush();
            channel.force(true);
            channel.close();
            StringBuilder env = new StringBuilder("from <").append(sender).append(">\n");
            for (String r : recipients) {
                env.append("to <").append(r).append(">\n");
            }
            Path envTmp = dir.tmp().resolve(id + ".env");
            try (FileChannel c = PrivateFiles.create(envTmp)) {
                c.write(java.nio.ByteBuffer.wrap(env.toString().getBytes(StandardCharsets.UTF_8)));
                c.force(true);
            }
            Files.move(tmp, dir.messageFile(id), StandardCopyOption.ATOMIC_MOVE);
            Files.move(envTmp, dir.envelopeFile(id), StandardCopyOption.ATOMIC_MOVE);
            QueueDir.syncDir(dir.dir());
            committed = true;
            onCommit.run();
            return id;
        }

        @Override
        public Path committedFile() {
            return dir.messageFile(id);
        }

        @Override
        public void close() {
            if (!committed) {
                try {
                    channel.close();
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover tmp file is harmless: it has no envelope
                }
            }
        }
    }
}
