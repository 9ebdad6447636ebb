package org.mailwarden.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link StorageUse} of Maildir accounts: the sum of the messages' sizes on disk, taken from the {@code S=} field of
 * the file names (a stat only for names without it); message files are never read. Each folder's cur/ and new/ sums
 * are cached with the directory's mtime, so a lookup costs a listing of the account directory and two stats per
 * folder, and a directory is listed again only when it changed. A listing taken within {@link #RACY} of the
 * directory's mtime is not trusted (a change in the same clock tick would not move the mtime) and is redone next time.
 *
 * <p>Thread-safe.
 */
final class MaildirUsage implements StorageUse {

    static final long RACY = 2_000;

    private record DirSum(FileTime mtime, boolean trusted, long bytes, long messages) {}

    private final MaildirStore store;
    private final Clock clock;
    private final Map<Path, DirSum> sums = new ConcurrentHashMap<>();

    MaildirUsage(MaildirStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public Totals of(String account) throws IOException {
        Path box = store.mailboxDir(account);
        long bytes = 0;
        long messages = 0;
        for (Path folder : folders(box)) {
            for (String sub : List.of("cur", "new")) {
                DirSum s = sum(folder.resolve(sub));
                bytes += s.bytes();
                messages += s.messages();
            }
        }
        return new Totals(bytes, messages);
    }

    /** The INBOX maildir and its Maildir++ folders (".Name" directories). */
    private static List<Path> folders(Path box) throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        out.add(box);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(box, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(".") && !n.equals(".") && !n.equals("..") && Files.isDirectory(p);
        })) {
            for (Path p : entries) {
                out.add(p);
            }
        } catch (NoSuchFileException e) {
            // no mail yet
        }
        return out;
    }

    private DirSum sum(Path dir) throws IOException {
        FileTime mtime;
        try {
            mtime = Files.getLastModifiedTime(dir);
        } catch (NoSuchFileException e) {
            sums.remove(dir);
            return new DirSum(null, true, 0, 0);
        }
        DirSum cached = sums.get(dir);
        if (cached != null && cached.trusted() && mtime.equals(cached.mtime())) {
            return cached;
        }
        long listedAt = clock.millis();
        long bytes = 0;
        long messages = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                MaildirFileName parsed = MaildirFileName.parse(name);
                long size;
                if (parsed.size().isPresent()) {
                    size = parsed.size().getAsLong();
                } else {
                    try {
                        size = Files.size(f);
                    } catch (NoSuchFileException e) {
                        continue; // renamed or expunged meanwhile; the mtime moved, the next look lists again
                    }
                }
                bytes += size;
                messages++;
            }
        } catch (NoSuchFileException e) {
            sums.remove(dir);
            return new DirSum(null, true, 0, 0);
        }
        DirSum s = new DirSum(mtime, listedAt - mtime.toMillis() > RACY, bytes, messages);
        sums.put(dir, s);
        return s;
    }
}
