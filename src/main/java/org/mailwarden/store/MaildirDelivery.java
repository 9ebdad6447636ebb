package org.mailwarden.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One message delivered into one or more maildirs with no commit record: written once, into the first maildir's
 * tmp/ ({@link MaildirSpool}), then hard-linked into the others and renamed into the first's new/
 * ({@link MaildirStore#deliver}), so N recipients cost one file's worth of I/O.
 *
 * <p>Not thread-safe: one session writes and commits it.
 */
final class MaildirDelivery implements IncomingMessage {

    private enum State { OPEN, COMMITTED, DISCARDED }

    private final MaildirStore store;
    private final List<Path> maildirs;
    private final MaildirSpool spool;
    private State state = State.OPEN;
    private Path committed;

    MaildirDelivery(MaildirStore store, List<Path> maildirs, MaildirSpool spool) {
        this.store = store;
        this.maildirs = List.copyOf(maildirs);
        this.spool = spool;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        requireOpen();
        spool.write(b, off, len);
    }

    @Override
    public long size() {
        return spool.size();
    }

    @Override
    public String commit() throws IOException {
        requireOpen();
        state = State.DISCARDED; // unless it all works
        committed = store.deliver(spool.finish(), maildirs).getFirst();
        state = State.COMMITTED;
        return MessageIds.next();
    }

    @Override
    public Path committedFile() {
        if (state != State.COMMITTED) {
            throw new IllegalStateException("message not committed");
        }
        return committed;
    }

    @Override
    public void close() {
        if (state == State.OPEN) {
            state = State.DISCARDED;
            spool.close();
        }
    }

    private void requireOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("message already " + state.name().toLowerCase(Locale.ROOT));
        }
    }
}
