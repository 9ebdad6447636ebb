package org.mailwarden.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import org.mailwarden.files.AtomicFile;

/**
 * The UIDVALIDITY values of an account's folders: a new folder index (one without a uidlist: a created folder, or one
 * created again after a DELETE) gets max(now in seconds, last given + 1), the last one remembered in the account's
 * maildir, so that a name never gets a UIDVALIDITY it had before (RFC 3501 2.3.1.1), even within one second.
 */
final class UidValidities {

    static final String FILE = "mailwarden-uidvalidity";
    /** New folders are rare: one lock for the process is enough. */
    private static final Object LOCK = new Object();

    private UidValidities() {
    }

    /** The next UIDVALIDITY for a new index of the folder at {@code folderDir} (INBOX or a Maildir++ ".name"). */
    static long next(Path folderDir) throws IOException {
        Path home = folderDir.getFileName().toString().startsWith(".") ? folderDir.getParent() : folderDir;
        Path file = home.resolve(FILE);
        synchronized (LOCK) {
            long last = 0;
            try {
                last = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
            } catch (NoSuchFileException | NumberFormatException e) {
                // none given yet (or unreadable): the clock alone
            }
            long next = Math.max(Instant.now().getEpochSecond(), last + 1);
            AtomicFile.writeBytes(file, AtomicFile.OWNER_ONLY, (next + "\n").getBytes(StandardCharsets.US_ASCII));
            return next;
        }
    }
}
