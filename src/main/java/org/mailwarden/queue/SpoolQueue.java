package org.mailwarden.queue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.mailwarden.gate.Connection;
import org.mailwarden.store.IncomingMessage;

/**
 * A durable queue directory: {@code <id>.eml} (the message, CRLF form) and {@code <id>.env} (envelope:
 * "from &lt;sender&gt;" then one "to &lt;rcpt&gt;" per line). The envelope is renamed into place last, so an entry
 * without one is an incomplete write and is ignored. Delivery to remote hosts comes with the outbound queue.
 */
public final class SpoolQueue implements OutboundQueue {

    private final Path dir;

    public SpoolQueue(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public IncomingMessage begin(String sender, List<String> recipients) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        return new Entry(Connection.newId(), sender, List.copyOf(recipients));
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
            this.tmp = dir.resolve("tmp").resolve(id + ".eml");
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.out = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
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
            Path envTmp = dir.resolve("tmp").resolve(id + ".env");
            try (FileChannel c = FileChannel.open(envTmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                c.write(java.nio.ByteBuffer.wrap(env.toString().getBytes(StandardCharsets.UTF_8)));
                c.force(true);
            }
            Files.move(tmp, dir.resolve(id + ".eml"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(envTmp, dir.resolve(id + ".env"), StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            committed = true;
            return id;
        }

        @Override
        public Path committedFile() {
            return dir.resolve(id + ".eml");
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
