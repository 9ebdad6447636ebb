package org.mailwarden.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The open folders of this process: one shared {@link MaildirFolder} index per folder that some session (IMAP,
 * POP3, a delivery that needs UIDs) has open, so every session on a folder sees the others' changes. Deliveries into an open folder wake its IDLE
 * sessions through the store's delivery hook.
 *
 * <p>One owner per folder: an index gives out UIDs and writes the folder's uidlist, so two indexes of one folder
 * would hand the same UID to two messages. Opening and closing a folder's index happen under its entry's lock,
 * and the entry stays registered until its index is closed, so a session that arrives while the last one leaves
 * waits for that close and then opens the folder again: never a second index beside the first.
 *
 * <p>An index nobody holds any more stays open for {@link #LINGER} before it is closed, so a burst of APPENDs or
 * STATUS commands on a folder that no session has selected (a client saving to Sent) lists the folder once, not
 * once per command. {@link #close()} closes what lingers at shutdown.
 */
public final class OpenFolders {

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        /** Set under {@link #lock}; null until opened, and again once closed. */
        volatile MaildirFolder folder;
        /** Under the registry's monitor. */
        int refs;
        /** The folder was deleted or renamed: its index must never write into that path again. */
        volatile boolean forgotten;
    }

    /** How long an index nobody holds stays open. */
    static final Duration LINGER = Duration.ofSeconds(2);

    private final Map<Path, Entry> open = new HashMap<>();
    /** Closes lingering indexes: one daemon thread for the process's folders. */
    private static final ScheduledExecutorService CLOSER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailbox-closer");
        t.setDaemon(true);
        return t;
    });

    /** The store's own: see {@link MaildirStore#openFolders()}. */
    OpenFolders() {
    }

    /** A delivery put a file into {@code maildir}'s new/: an open index of it scans new/ at its next refresh. */
    void delivered(Path maildir) {
        Entry e;
        synchronized (this) {
            e = open.get(maildir);
        }
        if (e == null) {
            return;
        }
        MaildirFolder f;
        e.lock.lock();
        try {
            f = e.folder;
        } finally {
            e.lock.unlock();
        }
        if (f != null) {
            f.deliveryNotice();
        }
    }

    /** The shared index of the folder at {@code dir} (which must exist); pair with {@link #release}. */
    public MaildirFolder acquire(Path dir) throws IOException {
        Entry e;
        synchronized (this) {
            e = open.computeIfAbsent(dir, d -> new Entry());
            e.refs++;
        }
        e.lock.lock();
        try {
            if (e.folder == null) {
                e.folder = MaildirFolder.open(dir); // the one opener: others wait on the entry's lock
            }
            return e.folder;
        } catch (IOException | RuntimeException | Error failure) {
            synchronized (this) {
                e.refs--;
                dropIfUnused(dir, e);
            }
            throw failure;
        } finally {
            e.lock.unlock();
        }
    }

    public void release(MaildirFolder folder) {
        Path dir = folder.dir();
        Entry e;
        synchronized (this) {
            e = open.get(dir);
            if (e == null || e.folder != folder || --e.refs > 0) {
                return; // still in use, or forgotten (deleted or renamed: a stale index writes nothing more)
            }
        }
        CLOSER.schedule(() -> closeIfUnused(dir, e), LINGER.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes the entry's index unless someone holds it again. */
    private void closeIfUnused(Path dir, Entry e) {
        e.lock.lock();
        try {
            synchronized (this) {
                if (e.refs > 0) {
                    return; // taken again meanwhile: it stays open
                }
            }
            MaildirFolder folder = e.folder;
            if (folder == null) {
                return; // closed already (a second schedule of the same idle spell, or shutdown)
            }
            if (e.forgotten) {
                e.folder = null; // a new folder of that name may be there now: write nothing
                return;
            }
            folder.close(); // writes the uidlist and modseq snapshot; a new opener waits for it
            e.folder = null;
            dropIfUnused(dir, e);
        } finally {
            e.lock.unlock();
        }
    }

    /** Removes the entry once nobody holds it and its index is closed. */
    private synchronized void dropIfUnused(Path dir, Entry e) {
        if (e.refs <= 0 && e.folder == null) {
            open.remove(dir, e);
        }
    }

    /** Closes every index nobody holds (at shutdown, once the sessions have ended). */
    public void close() {
        List<Map.Entry<Path, Entry>> all;
        synchronized (this) {
            all = new ArrayList<>(open.entrySet());
        }
        for (Map.Entry<Path, Entry> e : all) {
            closeIfUnused(e.getKey(), e.getValue());
        }
    }

    /** Forgets a folder that was deleted or renamed (sessions holding it keep their stale index). */
    public synchronized void forget(Path dir) {
        Entry e = open.remove(dir);
        if (e != null) {
            e.forgotten = true;
        }
    }
}
