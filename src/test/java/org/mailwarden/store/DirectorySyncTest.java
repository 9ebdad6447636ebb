package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySyncTest {

    @TempDir
    Path dir;

    @Test
    void singleCallerRunsItsOwnFsync() throws IOException {
        DirectorySync sync = new DirectorySync();
        sync.sync(dir);
        sync.sync(dir);
        assertThat(sync.fsyncCount()).isEqualTo(2);
    }

    @Test
    void callersArrivingDuringAnFsyncShareTheNextOne() throws Exception {
        int n = 20;
        CountDownLatch allJoined = new CountDownLatch(n);
        AtomicInteger calls = new AtomicInteger();
        DirectorySync sync = new DirectorySync(d -> {
            if (calls.incrementAndGet() == 1) {
                await(allJoined); // hold the first fsync until every caller has its ticket
            }
            DirectorySync.forceDirectory(d);
        }, d -> allJoined.countDown());

        List<Throwable> failures = runConcurrently(n, () -> sync.sync(dir));

        assertThat(failures).containsOnlyNulls();
        // The first caller's fsync started before the others joined, so it cannot cover them; one more does.
        assertThat(sync.fsyncCount()).isEqualTo(2);
    }

    @Test
    void fsyncFailureReachesEveryCallerItCovered() throws Exception {
        int n = 10;
        CountDownLatch allJoined = new CountDownLatch(n);
        AtomicInteger calls = new AtomicInteger();
        IOException injected = new IOException("injected EIO");
        DirectorySync sync = new DirectorySync(d -> {
            if (calls.incrementAndGet() == 1) {
                await(allJoined); // first round succeeds; the nine others are all in the second
                return;
            }
            throw injected;
        }, d -> allJoined.countDown());

        List<Throwable> failures = runConcurrently(n, () -> sync.sync(dir));

        assertThat(failures).filteredOn(t -> t == null).hasSize(1);
        assertThat(failures).filteredOn(t -> t != null).hasSize(n - 1)
                .allSatisfy(t -> assertThat(t).isInstanceOf(IOException.class).hasRootCause(injected));
        assertThat(sync.fsyncCount()).isEqualTo(2);

        // A failed round leaves the directory usable: the next caller runs a new fsync (which fails again here).
        assertThatThrownBy(() -> sync.sync(dir)).hasRootCause(injected);
        assertThat(sync.fsyncCount()).isEqualTo(3);
    }

    @Test
    void leaderFailureIsReportedToTheLeaderToo() {
        IOException injected = new IOException("injected");
        DirectorySync sync = new DirectorySync(d -> { throw injected; }, d -> { });
        assertThatThrownBy(() -> sync.sync(dir)).isInstanceOf(IOException.class).hasCause(injected);
    }

    @Test
    void differentDirectoriesDoNotShareRounds() throws IOException {
        DirectorySync sync = new DirectorySync();
        Path other = dir.resolve("other");
        java.nio.file.Files.createDirectory(other);
        sync.sync(dir);
        sync.sync(other);
        assertThat(sync.fsyncCount()).isEqualTo(2);
    }

    interface IoTask {
        void run() throws Exception;
    }

    /** Runs the task on n virtual threads at once; returns each one's failure or null. */
    static List<Throwable> runConcurrently(int n, IoTask task) throws InterruptedException {
        List<Throwable> out = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(ex.submit(() -> {
                    task.run();
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                    out.add(null);
                } catch (ExecutionException e) {
                    out.add(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError("task hung", e);
                }
            }
        }
        return out;
    }

    static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IOException("test latch not reached");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
