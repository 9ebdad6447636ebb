package org.mailwarden.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.mailwarden.files.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading Maildir folders, and cleaning up after crashed writers. */
public final class Maildirs {

    private static final Logger LOG = LoggerFactory.getLogger(Maildirs.class);

    private Maildirs() {
    }

    /**
     * The messages of one Maildir folder (new/ and cur/), in delivery order
     * ({@link MaildirFileName#DELIVERY_ORDER}). Hidden files (starting with '.') are
     * skipped as the maildir spec requires; a folder that does not exist yet is empty.
     */
    public static List<MaildirEntry> list(Path folderDir) throws IOException {
        List<MaildirEntry> out = new ArrayList<>();
        collect(folderDir.resolve("new"), true, out);
        collect(folderDir.resolve("cur"), false, out);
        sortInDeliveryOrder(out);
        return out;
    }

    /** Maildir's rule: a file in tmp/ untouched for 36 hours is a leftover of a crashed delivery. */
    public static final Duration TMP_MAX_AGE = Duration.ofHours(36);

    /**
     * Deletes crash leftovers of a folder: files in tmp/ older than {@link #TMP_MAX_AGE} (the maildir spec's rule,
     * as Dovecot applies it), and {@link AtomicFile} temp files of its state files older than that. Returns how many
     * went. Cheap: tmp/ is empty but for deliveries in progress.
     */
    public static int cleanLeftovers(Path folderDir, Instant now) {
        Instant cutoff = now.minus(TMP_MAX_AGE);
        int removed = 0;
        removed += deleteOlder(folderDir.resolve("tmp"), cutoff, name -> true);
        removed += deleteOlder(folderDir, cutoff, AtomicFile::isTempName);
        return removed;
    }

    private static int deleteOlder(Path dir, Instant cutoff, Predicate<String> which) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                try {
                    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && which.test(file.getFileName().toString())
                            && a.lastModifiedTime().toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(file);
                        removed++;
                        LOG.info("event=tmp-cleaned file=\"{}\" modified={}", file, a.lastModifiedTime());
                    }
                } catch (IOException e) {
                    // gone meanwhile, or not ours to delete: the next open tries again
                }
            }
        } catch (IOException e) {
            // no tmp/ yet
        }
        return removed;
    }

    /** Sorts entries into {@link MaildirFileName#DELIVERY_ORDER}, computing each name's key once. */
    static void sortInDeliveryOrder(List<MaildirEntry> entries) {
        record Keyed(MaildirFileName.DeliveryKey key, MaildirEntry entry) {}
        List<Keyed> keyed = new ArrayList<>(entries.size());
        for (MaildirEntry e : entries) {
            keyed.add(new Keyed(MaildirFileName.deliveryKey(e.name().baseName()), e));
        }
        keyed.sort(Comparator.comparing(Keyed::key));
        entries.clear();
        for (Keyed k : keyed) {
            entries.add(k.entry());
        }
    }

    private static void collect(Path dir, boolean isNew, List<MaildirEntry> out) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!name.startsWith(".")) {
                    out.add(new MaildirEntry(file, isNew, MaildirFileName.parse(name)));
                }
            }
        } catch (NoSuchFileException e) {
            // created lazily on first delivery
        }
    }
}
