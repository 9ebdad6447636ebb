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
        out.sort(Comparator.comparing((MaildirEntry e) -> e.name().baseName(), MaildirFileName.DELIVERY_ORDER));
        return out;
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
