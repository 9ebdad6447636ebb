package org.mailwarden.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
