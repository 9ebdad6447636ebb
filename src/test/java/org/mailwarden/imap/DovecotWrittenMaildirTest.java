package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestMaildir;
import org.mailwarden.support.TestServerExtension;

/**
 * A mailbox written by the real Dovecot 2.3 (src/test/resources/dovecot-maildir, made by
 * scripts/make-dovecot-fixture.sh: APPENDs with flags and keywords, an expunge that leaves gaps and stale
 * uidlist lines, an LMTP delivery still in new/) opens in Mailwarden exactly as Dovecot showed it: the same
 * UIDVALIDITY, UIDNEXT, UIDs, flags, keywords, sizes and subscriptions, read by the same imaplib script.
 */
class DovecotWrittenMaildirTest {

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    @Test
    void mailwardenShowsWhatDovecotShowed() throws Exception {
        Path fixture = Path.of(getClass().getResource("/dovecot-maildir/user5").toURI());
        Path home = server.get().server.store().mailboxDir("alice@example.test");
        TestMaildir.copyTree(fixture, home);
        List<String> expected = Files.readAllLines(fixture.resolveSibling("expected.txt"));

        Path view = Path.of(getClass().getResource("/dovecot-maildir-view.py").toURI());
        Processes.Result r = Processes.run(List.of("python3", view.toString(), "127.0.0.1",
                String.valueOf(server.get().imapsPort()), "alice@example.test", "secret-alice", "tls", "INBOX", "Work",
                "Work.2026"), null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().lines().toList()).isEqualTo(expected);
        // EXAMINE left Dovecot's files where they were; the uidlist still has Dovecot's records
        assertThat(home.resolve("new")).isNotEmptyDirectory();
        assertThat(Files.readString(home.resolve("dovecot-uidlist"))).contains("9 :1795435");

        // a read-write SELECT moves the LMTP delivery to cur/ and keeps every UID
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            assertThat(c.command("SELECT INBOX")).contains("* 7 EXISTS");
            assertThat(c.command("UID FETCH 1:* (FLAGS)")).filteredOn(l -> l.startsWith("* "))
                    .extracting(l -> l.replaceAll(".*UID (\\d+).*", "$1"))
                    .containsExactly("1", "2", "4", "5", "6", "8", "9");
            assertThat(c.command("UID FETCH 6 (FLAGS)").getFirst()).contains("NonJunk", "project-x", "\\Seen");
        }
        assertThat(home.resolve("new")).isEmptyDirectory();
    }
}
