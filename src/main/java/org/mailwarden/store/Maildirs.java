package org.mailwarden.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reading Maildir folders. */
public final class Maildirs {

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
