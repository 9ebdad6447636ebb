package org.mailwarden.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.mailwarden.files.AtomicFile;

/**
 * Group commit for directory fsyncs.
 *
 * <p>A Maildir delivery is durable only once the directory that received the new name (via rename(2) or
 * link(2)) has been fsynced. One fsync of a directory makes every entry created in it <em>before the fsync
 * started</em> durable, so concurrent deliveries into the same mailbox can share one fsync instead of
 * queueing one each behind the disk.
 *
 * <p>Per directory, callers join a <em>round</em> (this is taking a ticket). At most one round per
 * directory is running its fsync; new callers join the single pending round, which starts only when the
 * running one has finished. When nobody is running, the caller that notices runs the pending round itself
 * (no background threads, no pools: whichever session thread gets there first does the I/O). A round's
 * fsync therefore always starts after each of its members joined, which is after each member's rename.
 * The outcome of a round, success or an {@link IOException}, is handed to every member.
 *
 * <p>Locks are never held across I/O: the {@link ReentrantLock} only guards the round bookkeeping, which
 * keeps virtual threads from pinning their carrier.
 */
public final class DirectorySync {

    /** Performs the actual fsync of a directory; replaced in tests to hold or fail a round. */
    @FunctionalInterface
    public interface Fsync {
        void force(Path dir) throws IOException;
    }

    private final ConcurrentHashMap<Path, DirState> states = new ConcurrentHashMap<>();
    private final Fsync fsync;
    private final Consumer<Path> onTicket;
    private final LongAdder fsyncs = new LongAdder();

    /** A group-committing syncer that fsyncs directories for real. */
    public DirectorySync() {
        this(DirectorySync::forceDirectory, dir -> { });
    }

    /**
     * Test seam.
     *
     * @param fsync    how a round syncs its directory
     * @param onTicket called, under the directory's lock, each time a caller has joined a round; must not block
     */
    DirectorySync(Fsync fsync, Consumer<Path> onTicket) {
        this.fsync = Objects.requireNonNull(fsync);
        this.onTicket = Objects.requireNonNull(onTicket);
    }

    /**
     * Returns once an fsync of {@code dir} that started after this call was made has completed, so every
     * directory entry the caller created in {@code dir} before calling is on disk.
     *
     * @throws IOException if the fsync covering this call failed (every caller it covered gets the failure)
     */
    public void sync(Path dir) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        states.computeIfAbsent(key, DirState::new).sync();
    }

    /** Number of directory fsyncs run through {@link #sync} so far (rounds, not callers). */
    public long fsyncCount() {
        return fsyncs.sum();
    }

    /** Fsyncs one directory right now, without grouping: open it read-only and force (Linux fsync(2) on a dir fd). */
    public static void forceDirectory(Path dir) throws IOException {
        AtomicFile.forceDirectory(dir);
    }

    /** One fsync of a directory, shared by every caller that joined it before it started. */
    private static final class Round {
        boolean done;
        Throwable failure;
    }

    /** Round bookkeeping for one directory. */
    private final class DirState {
        private final Path dir;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition finished = lock.newCondition();
        /** Whether some caller is currently running a round's fsync. */
        private boolean running;
        /** The round new callers join; it has not started yet. */
        private Round pending;

        DirState(Path dir) {
            this.dir = dir;
        }

        void sync() throws IOException {
            Round mine;
            boolean lead = false;
            lock.lock();
            try {
                mine = pending;
                if (mine == null) {
                    mine = pending = new Round();
                }
                onTicket.accept(dir);
                // Wait until our round has been run by someone else, or until nobody is running an fsync and
                // our round is still waiting to start: then we start it ourselves.
                while (!mine.done && (running || pending != mine)) {
                    try {
                        finished.await();
                    } catch (InterruptedException e) {
                        // Leaving is safe: the round needs no particular member to run it.
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for fsync of " + dir);
                    }
                }
                if (!mine.done) {
                    running = true;
                    pending = null; // later callers form the next round; ours is now closed
                    lead = true;
                }
            } finally {
                lock.unlock();
            }
            if (lead) {
                runRound(mine);
            }
            // Visible: a member that did not lead read 'done' under the lock after the leader set 'failure'.
            if (mine.failure != null) {
                throw new IOException("fsync of directory " + dir + " failed", mine.failure);
            }
        }

        private void runRound(Round round) {
            Throwable failure = null;
            try {
                fsyncs.increment();
                fsync.force(dir);
            } catch (IOException | RuntimeException | Error e) {
                failure = e;
            }
            lock.lock();
            try {
                round.failure = failure;
                round.done = true;
                running = false;
                finished.signalAll();
            } finally {
                lock.unlock();
            }
            if (failure instanceof Error error) {
                throw error;
            }
        }
    }
}
