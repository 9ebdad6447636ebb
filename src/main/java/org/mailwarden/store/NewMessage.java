package org.mailwarden.store;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * A message being added to a mailbox (IMAP APPEND): written to {@link #out()} in network form as it arrives, never
 * held whole, then {@link #finish() finished} and {@link #commit committed}. Not thread-safe.
 */
public interface NewMessage extends AutoCloseable {

    /**
     * Where the message goes, in network form (CRLF line ends). Writes do not throw: a failure of the storage is kept
     * for {@link #finish()}, so the caller can read all of the message off its connection whatever happens.
     */
    OutputStream out();

    /** The message is complete: makes it durable (not yet visible), throws what went wrong while writing. */
    void finish() throws IOException;

    /** The octets it takes as stored (for quota); final after {@link #finish()}. */
    long storedSize();

    /** Makes the finished message part of the mailbox with these flags and this internal date; returns its UID. */
    long commit(MessageFlags flags, Instant received) throws IOException;

    /** Discards the message unless it was committed. */
    @Override
    void close();
}
