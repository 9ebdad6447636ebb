package org.mailwarden.imap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.mailwarden.store.MaildirFolder;
import org.mailwarden.store.MaildirStore;

/**
 * The open folders of this process: one shared {@link MaildirFolder} index per folder that some session has
 * open, so every session on a folder sees the others' changes. Deliveries into an open folder wake its IDLE
 * sessions through the store's delivery hook.
 */
final class MailboxRegistry {

    /** A folder some session has open; the first to acquire it opens it, the others wait for that one. */
    private static final class Entry {
        private final ReentrantLock opening = new ReentrantLock();
        private volatile MaildirFolder folder;
        int refs;

        /**
         * The folder, opened by the first caller: opening a folder without a uidlist writes one, which two
         * concurrent openers (an account's first logins) must not both do.
         */
        MaildirFolder folder(Path dir) throws IOException {
            opening.lock();
            try {
                if (folder == null) {
                    folder = MaildirFolder.open(dir);
                }
                return folder;
            } finally {
                opening.unlock();
            }
        }
    }

    private final Map<Path, Entry> open = new HashMap<>();

    MailboxRegistry(MaildirStore store) {
        store.addDeliveryListener(this::delivered);
    }

    private void delivered(Path maildir) {
        MaildirFolder f;
        synchronized (this) {
            Entry e = open.get(maildir);
            f = e == null ? null : e.folder;
        }
        if (f != null) {
            f.deliveryNotice();
        }
    }

    /** The shared index of the folder at {@code dir} (which must exist); pair with {@link #release}. */
    MaildirFolder acquire(Path dir) throws IOException {
        Entry e;
        synchronized (this) {
            e = open.computeIfAbsent(dir, d -> new Entry());
            e.refs++;
        }
        // opening lists the folder: outside the registry lock, under the entry's
        try {
            return e.folder(dir);
        } catch (IOException | RuntimeException ex) {
            synchronized (this) {
                if (--e.refs <= 0 && open.get(dir) == e) {
                    open.remove(dir);
                }
            }
            throw ex;
        }
    }

    synchronized void release(MaildirFolder folder) {
        Entry e = open.get(folder.dir());
        if (e != null && e.folder == folder && --e.refs <= 0) {
            open.remove(folder.dir());
            // under the registry lock: a new open of this folder reads the state file after this wrote it
            folder.close();
        }
    }

    /** Forgets a folder that was deleted or renamed (sessions holding it keep their stale index). */
    synchronized void forget(Path dir) {
        open.remove(dir);
    }
}
