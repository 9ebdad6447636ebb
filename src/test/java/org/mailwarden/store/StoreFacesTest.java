package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's faces on the Maildir backend, used as protocol code uses them (through {@link MailStore},
 * {@link Mailboxes} and {@link Mailbox} only), with what they leave on disk checked in Maildir/Dovecot terms.
 */
class StoreFacesTest {

    @TempDir
    Path root;

    private static final String ALICE = "alice@example.test";
    private static final MessageFlags SEEN_LABEL = new MessageFlags(EnumSet.of(SystemFlag.SEEN), Set.of("$Label1"));

    private MailStore store() {
        return new MaildirStore(root);
    }

    /** Alice's mailboxes, with her INBOX. */
    private Mailboxes alice() throws IOException {
        Mailboxes boxes = store().mailboxes(ALICE);
        boxes.ensureInbox();
        return boxes;
    }

    private Path home() {
        return root.resolve("example.test/alice");
    }

    private static long append(Mailbox box, String text, MessageFlags flags) throws IOException {
        try (NewMessage m = box.newMessage()) {
            m.out().write(text.getBytes(StandardCharsets.UTF_8));
            m.finish();
            return m.commit(flags, Instant.parse("2026-01-02T03:04:05Z"));
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void defaultsListSubscribeAndSpecialUse() throws Exception {
        Mailboxes boxes = store().mailboxes(ALICE);
        boxes.ensureDefaults();
        assertThat(boxes.names()).containsExactly("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash");
        assertThat(boxes.subscriptions()).containsExactlyInAnyOrder("Drafts", "Sent", "Junk", "Trash", "Archive");
        assertThat(boxes.specialUse("Sent")).contains(SpecialUse.SENT);
        assertThat(boxes.specialUse("INBOX")).isEmpty();
        // Maildir++ on disk, as Dovecot has it
        assertThat(home().resolve(".Sent/cur")).isDirectory();
        assertThat(home().resolve("subscriptions")).exists();
        boxes.delete("Junk");
        boxes.ensureDefaults(); // not again: the user deleted it
        assertThat(boxes.exists("Junk")).isFalse();
        assertThat(boxes.subscriptions()).doesNotContain("Junk");
    }

    @Test
    void createRenameDelete() throws Exception {
        Mailboxes boxes = alice();
        boxes.create("Work");
        boxes.create("Work.Projects");
        boxes.subscribe("Work.Projects", true);
        assertThatThrownBy(() -> boxes.create("Work")).isInstanceOf(MailboxExistsException.class);
        assertThatThrownBy(() -> boxes.create("a..b")).isInstanceOf(IllegalArgumentException.class);
        boxes.rename("Work", "Jobs");
        assertThat(boxes.names()).containsExactly("INBOX", "Jobs", "Jobs.Projects");
        assertThat(boxes.subscriptions()).containsExactly("Jobs.Projects");
        assertThat(home().resolve(".Jobs.Projects/cur")).isDirectory();
        boxes.delete("Jobs");
        assertThat(boxes.names()).containsExactly("INBOX", "Jobs.Projects");
    }

    @Test
    void appendGivesUidsAndTypedFlagsStoredAsMaildirLetters() throws Exception {
        Mailboxes boxes = alice();
        Mailbox inbox = boxes.acquire("INBOX");
        try {
            long uid = append(inbox, "Subject: one\r\n\r\nbody\r\n", SEEN_LABEL);
            assertThat(uid).isEqualTo(1);
            assertThat(inbox.nextUid()).isEqualTo(2);
            MessageInfo m = inbox.byUid(uid).orElseThrow();
            assertThat(m.flags()).isEqualTo(SEEN_LABEL);
            assertThat(m.vsize()).isEqualTo(22);
            assertThat(inbox.keywords()).containsExactly("$Label1");
            assertThat(inbox.receivedDate(m)).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
            // on disk: LF line ends, S= and W=, the letters, the keyword in dovecot-keywords
            String name = files(home().resolve("cur")).getFirst();
            assertThat(name).matches(".*,S=19,W=22:2,Sa");
            assertThat(Files.readString(home().resolve("dovecot-keywords"))).contains("0 $Label1");
            try (InputStream in = inbox.open(uid).orElseThrow()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("Subject: one\n\nbody\n");
            }
            try (SeekableByteChannel ch = inbox.openChannel(uid).orElseThrow()) {
                ByteBuffer b = ByteBuffer.allocate(4);
                ch.position(14).read(b);
                assertThat(new String(b.array(), StandardCharsets.US_ASCII)).isEqualTo("body");
                assertThat(ch.size()).isEqualTo(inbox.storedSize(m));
            }
        } finally {
            boxes.release(inbox);
        }
    }

    @Test
    void flagChangesWithUnchangedSinceAndLettersThatAreNotFlags() throws Exception {
        Mailboxes boxes = alice();
        Mailbox inbox = boxes.acquire("INBOX");
        try {
            long uid = append(inbox, "Subject: two\r\n\r\nx\r\n", MessageFlags.NONE);
            long before = inbox.byUid(uid).orElseThrow().modseq();
            FlagResult added = inbox.changeFlags(uid, new FlagChange.Add(
                    new MessageFlags(Set.of(SystemFlag.FLAGGED), Set.of("Work"))), -1);
            assertThat(added).isInstanceOf(FlagResult.Stored.class);
            MessageInfo now = ((FlagResult.Stored) added).message();
            assertThat(now.modseq()).isGreaterThan(before);
            assertThat(now.flags()).isEqualTo(new MessageFlags(Set.of(SystemFlag.FLAGGED), Set.of("Work")));
            // changed since the client's mod-sequence: not touched (CONDSTORE)
            assertThat(inbox.changeFlags(uid, new FlagChange.Replace(MessageFlags.NONE), before))
                    .isInstanceOf(FlagResult.Modified.class);
            // keywords are case-insensitive
            FlagResult removed = inbox.changeFlags(uid, new FlagChange.Remove(
                    new MessageFlags(Set.of(), Set.of("work"))), now.modseq());
            assertThat(((FlagResult.Stored) removed).message().flags()).isEqualTo(MessageFlags.of(SystemFlag.FLAGGED));
            // another program's letter (P, passed) is no flag: a change keeps it
            Path cur = home().resolve("cur");
            String name = files(cur).getFirst();
            Files.move(cur.resolve(name), cur.resolve(name.replace(":2,F", ":2,FP")));
            inbox.refresh();
            inbox.changeFlags(uid, new FlagChange.Replace(MessageFlags.of(SystemFlag.SEEN)), -1);
            assertThat(files(cur).getFirst()).endsWith(":2,PS");
            assertThat(inbox.byUid(uid).orElseThrow().flags()).isEqualTo(MessageFlags.of(SystemFlag.SEEN));
            inbox.expunge(List.of(uid));
            assertThat(inbox.changeFlags(uid, new FlagChange.Add(MessageFlags.NONE), -1))
                    .isInstanceOf(FlagResult.Gone.class);
        } finally {
            boxes.release(inbox);
        }
    }

    @Test
    void copyKeepsFlagsAndRenameInboxMovesTheMessages() throws Exception {
        Mailboxes boxes = alice();
        boxes.create("Saved");
        Mailbox inbox = boxes.acquire("INBOX");
        Mailbox saved = boxes.acquire("Saved");
        try {
            AtomicInteger changes = new AtomicInteger();
            try (Mailbox.Watch w = saved.watch(changes::incrementAndGet)) {
                long uid = append(inbox, "Subject: three\r\n\r\nx\r\n", SEEN_LABEL);
                long copy = saved.nextUid();
                assertThat(inbox.copyTo(uid, saved)).contains(copy);
                assertThat(changes.get()).isPositive();
            }
            assertThat(saved.byUid(1).orElseThrow().flags()).isEqualTo(SEEN_LABEL);
            append(inbox, "Subject: four\r\n\r\ny\r\n", MessageFlags.NONE);
            boxes.renameInbox("Old");
            inbox.refresh();
            assertThat(inbox.messages()).isEmpty();
            Mailbox old = boxes.acquire("Old");
            try {
                List<MessageFlags> flags = new ArrayList<>();
                old.messages().forEach(m -> flags.add(m.flags()));
                assertThat(flags).containsExactly(SEEN_LABEL, MessageFlags.NONE);
            } finally {
                boxes.release(old);
            }
            assertThatThrownBy(() -> boxes.renameInbox("Saved")).isInstanceOf(MailboxExistsException.class);
        } finally {
            boxes.release(saved);
            boxes.release(inbox);
        }
    }

    @Test
    void protocolCodeUsesTheFacesOnly() throws IOException {
        for (String pkg : List.of("imap", "pop3")) {
            try (Stream<Path> files = Files.walk(Path.of("src/main/java/org/mailwarden", pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    assertThat(text).as(f.toString()).doesNotContainPattern("org\\.mailwarden\\.store\\.(Maildir"
                            + "|OpenFolders|DovecotUidList|DovecotKeywords|ModseqState|MessageSpool)");
                }
            }
        }
    }
}
