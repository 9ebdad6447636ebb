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
    private final java.util.Set<String> claimed = java.util.concurrent.ConcurrentHashMap.newKeySet();

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

    /**
     * Marks an entry as being delivered by its writer (the delivery pipeline delivering a commit record's locals
     * inline): the agent leaves it alone until {@link #release}. In memory only: after a crash nothing is claimed,
     * and the agent redoes what the entry does not record as done.
     */
    public void claim(String id) {
        claimed.add(id);
    }

    /** Ends a {@link #claim} and wakes the agent for what is left in the entry. */
    public void release(String id) {
        claimed.remove(id);
        onCommit.run();
    }

    public boolean isClaimed(String id) {
        return claimed.contains(id);
    }

    /** Starts an entry whose envelope is given at its commit ({@link Entry#commit(String, List, List, long)}). */
    public Entry spool(String id) throws IOException {
        if (!QueueDir.validId(id)) {
            throw new IllegalArgumentException("bad queue id " + id);
        }
        dir.createdTmp();
        return new Entry(id, "", List.of());
    }

    /** A local mailbox recipient of a commit record: the account and how it is marked ({@link QueueEntry.Local}). */
    public record LocalRecipient(String account, QueueEntry.Local local) {}

    /** A queue entry being written: the message streamed in (CRLF form), then the envelope at commit. */
    public final class Entry implements IncomingMessage {
        private final String id;
        private final String sender;
        private final List<String> recipients;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;
        private boolean committed;
        private QueueEntry.Received received;

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

        /** The message file as written so far (flushed), for the steps to read before the commit. */
        public Path written() throws IOException {
            out.flush();
            return tmp;
        }

        /** Records where the message came from, written into the envelope at the commit. */
        public Entry received(QueueEntry.Received r) {
            this.received = r;
            return this;
        }

        @Override
        public String commit() throws IOException {
            return commit(sender, recipients, List.of(), -1, List.of());
        }

        /**
         * Commits with this envelope: {@code to} are routed by the agent, {@code locals} are local mailboxes (a
         * commit record's); {@code createdMillis} is written into the envelope when not negative (names derived
         * from it must not depend on the file's mtime). {@code states} are recipients whose state is known already
         * (refused or deferred by the pipeline's steps): the state file is written with them, before the envelope
         * makes the entry exist. The entry is durable when this returns.
         */
        public String commit(String sender, List<String> to, List<LocalRecipient> locals, long createdMillis,
                List<QueueEntry.Recipient> states) throws IOException {
            if (to.isEmpty() && locals.isEmpty()) {
                throw new IllegalArgumentException("no recipients");
            }
            out.flush();
            channel.force(true);
            channel.close();
            StringBuilder env = new StringBuilder("from <").append(sender == null ? "" : sender).append(">\n");
            for (String r : to) {
                env.append("to <").append(r).append(">\n");
            }
            for (LocalRecipient l : locals) {
                env.append("local <").append(l.account()).append(">\t<").append(l.local().forAddress()).append(">\t")
                        .append(l.local().folder()).append('\t').append(l.local().flags()).append('\n');
            }
            if (createdMillis >= 0) {
                env.append("created ").append(createdMillis).append('\n');
            }
            if (received != null) {
                env.append("received ").append(QueueDir.receivedLine(received)).append('\n');
            }
            Path envTmp = dir.tmp().resolve(id + ".env");
            try (FileChannel c = PrivateFiles.create(envTmp)) {
                c.write(java.nio.ByteBuffer.wrap(env.toString().getBytes(StandardCharsets.UTF_8)));
                c.force(true);
            }
            Path stateTmp = null;
            if (!states.isEmpty()) {
                java.time.Instant created = java.time.Instant.ofEpochMilli(createdMillis >= 0 ? createdMillis
                        : System.currentTimeMillis());
                stateTmp = dir.tmp().resolve(id + ".state");
                try (FileChannel c = PrivateFiles.create(stateTmp)) {
                    c.write(java.nio.ByteBuffer.wrap(QueueDir.stateBytes(
                            new QueueEntry(id, sender, created, 0, created, false, states))));
                    c.force(true);
                }
            }
            Files.move(tmp, dir.messageFile(id), StandardCopyOption.ATOMIC_MOVE);
            if (stateTmp != null) {
                Files.move(stateTmp, dir.stateFile(id), StandardCopyOption.ATOMIC_MOVE);
            }
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
