package org.mailwarden.smtp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.store.IncomingMessage;

/** The message being received, written to every destination at once: local mailboxes and the outbound queue. */
final class MessageSink implements AutoCloseable {

    private final List<IncomingMessage> parts;
    private long size;

    MessageSink(List<IncomingMessage> parts) {
        this.parts = new ArrayList<>(parts);
    }

    void write(byte[] b, int off, int len) throws IOException {
        for (IncomingMessage p : parts) {
            p.write(b, off, len);
        }
        size += len;
    }

    long size() {
        return size;
    }

    /** Commits every part; the message is durable everywhere when this returns. Returns the first part's id. */
    String commit() throws IOException {
        String id = null;
        for (IncomingMessage p : parts) {
            String pid = p.commit();
            if (id == null) {
                id = pid;
            }
        }
        return id;
    }

    @Override
    public void close() {
        for (IncomingMessage p : parts) {
            p.close();
        }
    }
}
