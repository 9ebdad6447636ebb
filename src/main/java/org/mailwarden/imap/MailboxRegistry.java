package org.mailwarden.imap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.mailwarden.store.MaildirFolder;
import org.mailwarden.store.MaildirStore;

/**
 * The open folders of this process: one shared {@link MaildirFolder} index per folder that some session has
 * open, so every session on a folder sees the others' changes. Deliveries into an open folder wake its IDLE
 * sessions through the store's delivery hook.
 */
final class MailboxRegistry {

    private static final class Entry {
        final MaildirFolder folder;
        int refs;

        Entry(MaildirFolder folder) {
            this.folder = folder;
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
        synchronized (this) {
            Entry e = open.get(dir);
            if (e != null) {
                e.refs++;
                return e.folder;
            }
        }
        // Opening lists the folder: do it outside the registry lock, then keep whichever index won.
        MaildirFolder fresh = MaildirFolder.open(dir);
        synchronized (this) {
            Entry e = open.computeIfAbsent(dir, d -> new Entry(fresh));
            e.refs++;
            return e.folder;
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
