package org.mailwarden.store;

import java.io.IOException;
import java.nio.file.Path;

/** A message being received. Not thread-safe: one session writes it. */
public interface IncomingMessage extends AutoCloseable {

    /** Appends bytes of the message in network form (CRLF line ends). */
    void write(byte[] buf, int off, int len) throws IOException;

    /** Bytes written so far, in network form. */
    long size();

    /**
     * Makes the message durable in every mailbox: when this returns, the message is fsynced and linked
     * into each mailbox's new/ directory, and those directories are fsynced. Returns the message id.
     */
    String commit() throws IOException;

    /** The committed message file (for copying into the outbound queue); valid only after commit. */
    Path committedFile();

    /** Discards the message if it was not committed. Safe to call after commit. */
    @Override
    void close();
}
