package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServerExtension;

/** Mailbox names are modified UTF-7 (RFC 3501 5.1.3): CREATE and RENAME refuse what is not, and create nothing. */
class ImapMailboxNameTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    private static final List<String> INVALID = List.of(
            "&AAA-",          // an encoded NUL
            "Bad&AAk-Tab",    // an encoded control character
            "&2AA-",          // an unpaired high surrogate
            "&3AA-",          // an unpaired low surrogate
            "&AC4ALg-",       // "..", encoded
            "&AC8-etc",       // "/", encoded
            "&AGE-",          // "a": printable ASCII must stand for itself
            "&AOQ-&AOQ-",     // two encoded runs in a row must be one
            "&AOR-",          // non-zero bits after the last character
            "&AOQ",           // no closing "-"
            "&A-",            // too few bits for a character
            "a&-b&",          // a lone "&" at the end
            "&Jjo!-",         // not base64
            "Caf\u00e9");     // raw 8-bit: not modified UTF-7

    private List<String> folders() throws Exception {
        Path home = server.get().server.store().mailboxDir("alice@example.test");
        try (Stream<Path> s = Files.list(home)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void createRefusesInvalidModifiedUtf7() throws Exception {
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            List<String> before = folders();
            for (String name : INVALID) {
                String reply = c.command("CREATE \"" + name + "\"").getLast();
                assertThat(reply).as(name).matches("a\\d+ (BAD|NO) .*");
            }
            assertThat(folders()).isEqualTo(before);
            assertThat(c.command("CREATE \"Caf&AOk-\"").getLast()).endsWith("OK CREATE completed");
            assertThat(c.command("CREATE \"A&-B\"").getLast()).endsWith("OK CREATE completed");
            assertThat(c.command("CREATE \"&ZeVnLIqe-\"").getLast()).endsWith("OK CREATE completed");
            assertThat(c.command("CREATE \"&2D3fAA-\"").getLast()).endsWith("OK CREATE completed"); // U+1F700
            assertThat(folders()).contains(".Caf&AOk-", ".A&-B", ".&ZeVnLIqe-", ".&2D3fAA-");
        }
    }

    @Test
    void renameRefusesAnInvalidTarget() throws Exception {
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            assertThat(c.command("CREATE Box").getLast()).endsWith("OK CREATE completed");
            List<String> before = folders();
            for (String name : INVALID) {
                assertThat(c.command("RENAME Box \"" + name + "\"").getLast()).as(name).matches("a\\d+ (BAD|NO) .*");
                assertThat(c.command("RENAME INBOX \"" + name + "\"").getLast()).as(name)
                        .matches("a\\d+ (BAD|NO) .*");
            }
            assertThat(folders()).isEqualTo(before);
            assertThat(c.command("RENAME Box \"Caf&AOk-\"").getLast()).endsWith("OK RENAME completed");
        }
    }
}
