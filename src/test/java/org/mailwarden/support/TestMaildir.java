package org.mailwarden.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Empty Maildirs for tests that open a folder without a server. */
public final class TestMaildir {

    private TestMaildir() {}

    /** Creates {@code dir} with its cur/, new/ and tmp/ (what MaildirFolder.open needs); returns it. */
    public static Path create(Path dir) throws IOException {
        for (String sub : new String[] {"cur", "new", "tmp"}) {
            Files.createDirectories(dir.resolve(sub));
        }
        return dir;
    }

    /**
     * Copies a Maildir tree (a fixture, or a mailbox for another server); git keeps no empty directories, so each
     * folder gets its cur/ new/ tmp/ back. Returns {@code to}.
     */
    public static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    if (p.equals(from) || p.getFileName().toString().startsWith(".")) {
                        create(target);
                    }
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }
}
