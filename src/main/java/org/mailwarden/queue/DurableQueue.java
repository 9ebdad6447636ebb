package org.mailwarden.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.mailwarden.files.AtomicFile;
import org.mailwarden.store.IncomingMessage;

/**
 * The outbound queue on disk ({@link QueueDir} layout). {@link #begin} streams a message into {@code tmp/}
 * ({@link AtomicFile#begin}); commit fsyncs it, writes the envelope, renames both into place (envelope last) and
 * fsyncs the directory, all
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
        /** The message, streamed into {@code tmp/} until the commit renames it into the queue. */
        private final AtomicFile.Pending message;
        private final OutputStream out;
        private long size;
        private boolean committed;
        private QueueEntry.Received received;
        private String authResults;

        Entry(String id, String sender, List<String> recipients) throws IOException {
            this.id = id;
            this.sender = sender;
            this.recipients = recipients;
            this.message = AtomicFile.begin(dir.messageFile(id), dir.inTmp().withoutDirectorySync());
            this.out = new BufferedOutputStream(message.out(), 64 * 1024);
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
            return message.tmp();
        }

        /** Records where the message came from, written into the envelope at the commit. */
        public Entry received(QueueEntry.Received r) {
            this.received = r;
            return this;
        }

        /**
         * Records our Authentication-Results value for the message (null: none), written into the envelope at the
         * commit: the delivery agent seals it into the ARC set of what it sends on.
         */
        public Entry authResults(String value) {
            this.authResults = value == null || value.isBlank() ? null : QueueDir.authresLine(value);
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
            if (authResults != null) {
                env.append("authres ").append(authResults).append('\n');
            }
            java.time.Instant created = java.time.Instant.ofEpochMilli(createdMillis >= 0 ? createdMillis
                    : System.currentTimeMillis());
            // the message, then the state, then the envelope, which makes the entry exist, are renamed in this order
            // (a crash in between leaves orphans the sweep removes); one directory fsync, the envelope's, for all
            try (AtomicFile.Pending state = states.isEmpty() ? null
                    : AtomicFile.begin(dir.stateFile(id), dir.inTmp().withoutDirectorySync());
                    AtomicFile.Pending envelope = AtomicFile.begin(dir.envelopeFile(id), dir.inTmp())) {
                if (state != null) {
                    state.out().write(QueueDir.stateBytes(new QueueEntry(id, sender, created, 0, created, false,
                            states)));
                }
                envelope.out().write(env.toString().getBytes(StandardCharsets.UTF_8));
                message.commit();
                if (state != null) {
                    state.commit();
                }
                envelope.commit();
            }
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
                    message.close();
                } catch (IOException ignored) {
                    // a leftover tmp file is harmless: it has no envelope
                }
            }
        }
    }
}
