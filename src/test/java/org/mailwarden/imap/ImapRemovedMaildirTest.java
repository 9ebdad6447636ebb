package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** An account's maildir removed under the running server: INBOX is there again at the next login, fresh. */
class ImapRemovedMaildirTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private ImapClient loggedIn() throws Exception {
        return ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice");
    }

    @Test
    void inboxIsRecreatedWithoutTheRemovedFoldersIndex() throws Exception {
        server.get().deliver("alice@example.test", "m1", "1");
        Path home = server.get().server.store().mailboxDir("alice@example.test");
        try (ImapClient old = loggedIn()) {
            assertThat(old.command("SELECT INBOX")).contains("* 1 EXISTS");
            removeTree(home); // an admin removes the whole mailbox while a session has it open

            try (ImapClient c = loggedIn()) {
                assertThat(c.command("SELECT INBOX")).contains("* 0 EXISTS").last().asString().contains("OK");
                assertThat(c.command("LIST \"\" \"*\"")).anyMatch(l -> l.endsWith(" \"INBOX\""));
            }
        }
        server.get().deliver("alice@example.test", "m2", "2");
        try (ImapClient c = loggedIn()) {
            assertThat(c.command("SELECT INBOX")).contains("* 1 EXISTS");
            assertThat(c.command("FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])")).anyMatch(l -> l.contains("m2"));
        }
    }

    private static void removeTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
