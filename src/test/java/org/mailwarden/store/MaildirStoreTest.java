package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mailwarden.store.DirectorySyncTest.runConcurrently;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirStoreTest {

    private static final String ALICE = "alice@example.org";
    private static final String BODY = "From: bob@example.net\r\nSubject: hi\r\n\r\nHello\r\nWorld\r\n";

    @TempDir
    Path root;

    private MaildirStore store() {
        return new MaildirStore(root, "mx.test", new DirectorySync());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String deliver(MaildirStore store, String returnPath, List<String> to, String message)
            throws IOException {
        try (IncomingMessage m = store.begin(returnPath, to)) {
            byte[] b = bytes(message);
            m.write(b, 0, b.length);
            return m.commit();
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Reference conversion: CRLF -> LF, everything else kept. */
    private static byte[] toLf(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\r' && i + 1 < in.length && in[i + 1] == '\n') {
                continue;
            }
            out.write(in[i]);
        }
        return out.toByteArray();
    }

    @Test
    void layoutFollowsDockerMailserver() {
        MaildirStore store = store();
        Path box = root.toAbsolutePath().normalize().resolve("example.org").resolve("alice");
        assertThat(store.mailboxDir("Alice@Example.ORG")).isEqualTo(box);
        assertThat(store.folderDir(ALICE, "INBOX")).isEqualTo(box);
        assertThat(store.folderDir(ALICE, "inbox")).isEqualTo(box);
        assertThat(store.folderDir(ALICE, "Sent")).isEqualTo(box.resolve(".Sent"));
        assertThat(store.folderDir(ALICE, "Parent/Child")).isEqualTo(box.resolve(".Parent.Child"));
        assertThat(store.folderDir(ALICE, "Parent.Child")).isEqualTo(box.resolve(".Parent.Child"));
        assertThat(Files.exists(box)).as("nothing is created before a delivery").isFalse();
    }

    @Test
    void unsafeNamesAreRejected() {
        MaildirStore store = store();
        for (String bad : List.of("alice", "@example.org", "alice@", "../x@example.org", "a@..", "a/b@example.org",
                "a@ex/ample.org", "a\0@example.org")) {
            assertThatThrownBy(() -> store.mailboxDir(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        for (String bad : List.of("", ".Sent", "a..b", "a/", "/a", "x\ny")) {
            assertThatThrownBy(() -> store.folderDir(ALICE, bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.begin("a@b\r\nX-Evil: 1", List.of(ALICE)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ensureFolderCreatesMaildirPlusPlusFolder() throws IOException {
        MaildirStore store = store();
        Path junk = store.ensureFolder(ALICE, "Archive/2024");
        assertThat(junk.getFileName().toString()).isEqualTo(".Archive.2024");
        for (Path d : List.of(junk, store.mailboxDir(ALICE))) {
            assertThat(d.resolve("cur")).isDirectory();
            assertThat(d.resolve("new")).isDirectory();
            assertThat(d.resolve("tmp")).isDirectory();
        }
        assertThat(junk.resolve("maildirfolder")).isRegularFile();
        assertThat(store.mailboxDir(ALICE).resolve("maildirfolder")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(junk))).isEqualTo("rwx------");
    }

    @Test
    void localPartStartingWithDotIsAnInboxNotAFolder() throws IOException {
        MaildirStore store = store();
        deliver(store, "", List.of(".x@example.org"), BODY);
        Path box = store.mailboxDir(".x@example.org");
        assertThat(Maildirs.list(box)).hasSize(1);
        assertThat(box.resolve("maildirfolder")).doesNotExist();
    }

    @Test
    void deliveredMessageIsInNewWithLfEndsReturnPathAndSizes() throws IOException {
        MaildirStore store = store();
        String id;
        Path committed;
        try (IncomingMessage m = store.begin("bob@example.net", List.of(ALICE))) {
            byte[] b = bytes(BODY);
            m.write(b, 0, b.length);
            assertThat(m.size()).isEqualTo(b.length);
            id = m.commit();
            committed = m.committedFile();
        }
        assertThat(id).matches("[0-9a-z]{13}");

        Path box = store.mailboxDir(ALICE);
        assertThat(files(box.resolve("tmp"))).isEmpty();
        List<Path> inNew = files(box.resolve("new"));
        assertThat(inNew).containsExactly(committed);

        String content = Files.readString(committed);
        String expected = "Return-Path: <bob@example.net>\n" + BODY.replace("\r\n", "\n");
        assertThat(content).isEqualTo(expected).startsWith("Return-Path: <bob@example.net>\n").doesNotContain("\r");

        long networkSize = ("Return-Path: <bob@example.net>\r\n" + BODY).length();
        String name = committed.getFileName().toString();
        assertThat(name).matches("\\d+\\.M\\d+P\\d+Q\\d+\\.mx\\.test,S=\\d+,W=\\d+");
        MaildirFileName parsed = MaildirFileName.parse(name);
        assertThat(parsed.size()).hasValue(Files.size(committed));
        assertThat(parsed.size()).hasValue(expected.length());
        assertThat(parsed.virtualSize()).hasValue(networkSize);
        assertThat(parsed.flags()).isEmpty();
    }

    @Test
    void nullSenderIsWrittenAsEmptyReturnPath() throws IOException {
        MaildirStore store = store();
        deliver(store, "", List.of(ALICE), BODY);
        Path file = Maildirs.list(store.mailboxDir(ALICE)).getFirst().path();
        assertThat(Files.readString(file)).startsWith("Return-Path: <>\nFrom:");
    }

    @Test
    void deliveryToThreeAccountsIsOneInodeLinkedThrice() throws IOException {
        MaildirStore store = store();
        List<String> to = List.of(ALICE, "bob@example.org", "carol@other.example");
        deliver(store, "x@y.example", to, BODY);

        Set<Object> inodes = new java.util.HashSet<>();
        Set<String> names = new java.util.HashSet<>();
        for (String account : to) {
            List<MaildirEntry> entries = Maildirs.list(store.mailboxDir(account));
            assertThat(entries).hasSize(1);
            MaildirEntry e = entries.getFirst();
            assertThat(e.isNew()).isTrue();
            assertThat(Files.getAttribute(e.path(), "unix:nlink")).isEqualTo(3);
            inodes.add(Files.getAttribute(e.path(), "unix:ino"));
            names.add(e.path().getFileName().toString());
            assertThat(files(store.mailboxDir(account).resolve("tmp"))).isEmpty();
        }
        assertThat(inodes).hasSize(1);
        assertThat(names).as("each mailbox gets its own unique name").hasSize(3);
    }

    @Test
    void duplicateAccountsAreDeliveredOnce() throws IOException {
        MaildirStore store = store();
        deliver(store, "x@y.example", List.of(ALICE, "ALICE@example.org"), BODY);
        assertThat(Maildirs.list(store.mailboxDir(ALICE))).hasSize(1);
    }

    @Test
    void copiesWhenHardLinkFails() throws IOException {
        MaildirStore store = new MaildirStore(root, "mx.test", new DirectorySync(), (link, existing) -> {
            throw new FileSystemException(link.toString(), existing.toString(), "Invalid cross-device link");
        });
        deliver(store, "x@y.example", List.of(ALICE, "bob@example.org"), BODY);
        Path a = Maildirs.list(store.mailboxDir(ALICE)).getFirst().path();
        Path b = Maildirs.list(store.mailboxDir("bob@example.org")).getFirst().path();
        assertThat(Files.getAttribute(b, "unix:ino")).isNotEqualTo(Files.getAttribute(a, "unix:ino"));
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
        assertThat(files(store.mailboxDir("bob@example.org").resolve("tmp"))).isEmpty();
    }

    @Test
    void closeWithoutCommitLeavesNothing() throws IOException {
        MaildirStore store = store();
        deliver(store, "x@y.example", List.of(ALICE), BODY); // an earlier message stays untouched
        Path box = store.mailboxDir(ALICE);
        List<Path> before = files(box.resolve("new"));

        IncomingMessage m = store.begin("x@y.example", List.of(ALICE, "bob@example.org"));
        byte[] b = bytes(BODY);
        m.write(b, 0, b.length);
        assertThat(files(box.resolve("tmp"))).hasSize(1);
        m.close();
        m.close(); // idempotent

        assertThat(files(box.resolve("tmp"))).isEmpty();
        assertThat(files(box.resolve("new"))).isEqualTo(before);
        assertThat(files(store.mailboxDir("bob@example.org").resolve("new"))).isEmpty();
        assertThatThrownBy(() -> m.write(b, 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(m::commit).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(m::committedFile).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeAfterCommitKeepsTheMessage() throws IOException {
        MaildirStore store = store();
        IncomingMessage m = store.begin("x@y.example", List.of(ALICE));
        byte[] b = bytes(BODY);
        m.write(b, 0, b.length);
        m.commit();
        m.close();
        assertThat(m.committedFile()).exists();
    }

    @Test
    void crlfSplitAcrossWritesIsStillConverted() throws IOException {
        MaildirStore store = store();
        byte[] msg = bytes("A: 1\r\n\r\nx\r\ny\r\n");
        // Every split point, including between CR and LF.
        for (int split = 0; split <= msg.length; split++) {
            try (IncomingMessage m = store.begin("", List.of("u" + split + "@example.org"))) {
                m.write(msg, 0, split);
                m.write(msg, split, msg.length - split);
                m.commit();
                assertThat(Files.readString(m.committedFile())).isEqualTo("Return-Path: <>\nA: 1\n\nx\ny\n");
            }
        }
        // And one byte per write.
        try (IncomingMessage m = store.begin("", List.of("bytewise@example.org"))) {
            for (int i = 0; i < msg.length; i++) {
                m.write(msg, i, 1);
            }
            m.commit();
            assertThat(Files.readString(m.committedFile())).isEqualTo("Return-Path: <>\nA: 1\n\nx\ny\n");
        }
    }

    @Test
    void bareCrAndBareLfAreKeptAndSizedLikeDovecot() throws IOException {
        MaildirStore store = store();
        try (IncomingMessage m = store.begin("", List.of(ALICE))) {
            byte[] b = bytes("A: 1\r\n\r\nx\ry\nz\r\r\nend\r");
            m.write(b, 0, b.length);
            m.commit();
            byte[] stored = Files.readAllBytes(m.committedFile());
            assertThat(new String(stored, StandardCharsets.UTF_8))
                    .isEqualTo("Return-Path: <>\nA: 1\n\nx\ry\nz\r\nend\r");
            MaildirFileName name = MaildirFileName.parse(m.committedFile().getFileName().toString());
            // W= counts the file as Dovecot serves it: LF not after CR becomes CRLF (4 of them here).
            assertThat(name.size()).hasValue(stored.length);
            assertThat(name.virtualSize()).hasValue(stored.length + 4);
        }
    }

    @Test
    void largeMessageSpanningManyBuffersMatchesReference() throws IOException {
        MaildirStore store = store();
        Random random = new Random(42);
        byte[] msg = new byte[300_000];
        byte[] alphabet = bytes("abc \r\n\r\n\r\r\n\n");
        for (int i = 0; i < msg.length; i++) {
            msg[i] = alphabet[random.nextInt(alphabet.length)];
        }
        try (IncomingMessage m = store.begin("s@x.example", List.of(ALICE))) {
            int off = 0;
            while (off < msg.length) { // odd chunk sizes so CRLFs straddle writes and buffer flushes
                int n = Math.min(msg.length - off, 1 + random.nextInt(20_000));
                m.write(msg, off, n);
                off += n;
            }
            m.commit();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(bytes("Return-Path: <s@x.example>\n"));
            expected.writeBytes(toLf(msg));
            byte[] stored = Files.readAllBytes(m.committedFile());
            assertThat(stored).isEqualTo(expected.toByteArray());

            long bareLfs = 0;
            for (int i = 0; i < stored.length; i++) {
                if (stored[i] == '\n' && (i == 0 || stored[i - 1] != '\r')) {
                    bareLfs++;
                }
            }
            MaildirFileName name = MaildirFileName.parse(m.committedFile().getFileName().toString());
            assertThat(name.size()).hasValue(stored.length);
            assertThat(name.virtualSize()).hasValue(stored.length + bareLfs);
        }
    }

    @Test
    void fiftyConcurrentCommitsIntoOneMailboxAllLand() throws Exception {
        MaildirStore store = store();
        int n = 50;
        Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Throwable> failures = runConcurrently(n, () -> ids.add(deliver(store, "x@y.example", List.of(ALICE), BODY)));

        assertThat(failures).containsOnlyNulls();
        assertThat(ids).hasSize(n);
        List<MaildirEntry> entries = Maildirs.list(store.mailboxDir(ALICE));
        assertThat(entries).hasSize(n);
        assertThat(entries.stream().map(e -> e.name().baseName()).collect(Collectors.toSet())).hasSize(n);
        assertThat(files(store.mailboxDir(ALICE).resolve("tmp"))).isEmpty();
    }

    @Test
    void concurrentCommitsShareDirectoryFsyncs() throws Exception {
        int n = 50;
        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch allTicketsTaken = new CountDownLatch(n);
        AtomicInteger armedFsyncs = new AtomicInteger();
        DirectorySync sync = new DirectorySync(dir -> {
            if (armed.get() && armedFsyncs.incrementAndGet() == 1) {
                DirectorySyncTest.await(allTicketsTaken); // hold the first fsync until every commit waits
            }
            DirectorySync.forceDirectory(dir);
        }, dir -> {
            if (armed.get()) {
                allTicketsTaken.countDown();
            }
        });
        MaildirStore store = new MaildirStore(root, "mx.test", sync);
        deliver(store, "x@y.example", List.of(ALICE), BODY); // creates the mailbox
        long before = sync.fsyncCount();
        armed.set(true);

        List<Throwable> failures = runConcurrently(n, () -> deliver(store, "x@y.example", List.of(ALICE), BODY));

        assertThat(failures).containsOnlyNulls();
        assertThat(Maildirs.list(store.mailboxDir(ALICE))).hasSize(n + 1);
        long fsyncs = sync.fsyncCount() - before;
        assertThat(fsyncs).isLessThan(n).isEqualTo(2);
    }

    @Test
    void directoryFsyncFailureFailsTheCommitAndRemovesTheMessage() throws IOException {
        IOException injected = new IOException("injected EIO");
        AtomicBoolean fail = new AtomicBoolean();
        DirectorySync sync = new DirectorySync(dir -> {
            if (fail.get()) {
                throw injected;
            }
            DirectorySync.forceDirectory(dir);
        }, dir -> { });
        MaildirStore store = new MaildirStore(root, "mx.test", sync);
        deliver(store, "x@y.example", List.of(ALICE), BODY);
        fail.set(true);

        IncomingMessage m = store.begin("x@y.example", List.of(ALICE, "bob@example.org"));
        byte[] b = bytes(BODY);
        m.write(b, 0, b.length);
        assertThatThrownBy(m::commit).isInstanceOf(IOException.class).hasRootCause(injected);
        m.close();

        // Not durable, so not delivered: the client gets 4xx and retries, without a duplicate.
        assertThat(Maildirs.list(store.mailboxDir(ALICE))).hasSize(1);
        assertThat(Maildirs.list(store.mailboxDir("bob@example.org"))).isEmpty();
        assertThat(files(store.mailboxDir(ALICE).resolve("tmp"))).isEmpty();
    }

    @Test
    void concurrentFsyncFailureReachesEveryWaitingCommit() throws Exception {
        int n = 10;
        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch allTicketsTaken = new CountDownLatch(n);
        IOException injected = new IOException("injected EIO");
        DirectorySync sync = new DirectorySync(dir -> {
            if (armed.get()) {
                DirectorySyncTest.await(allTicketsTaken);
                throw injected;
            }
            DirectorySync.forceDirectory(dir);
        }, dir -> {
            if (armed.get()) {
                allTicketsTaken.countDown();
            }
        });
        MaildirStore store = new MaildirStore(root, "mx.test", sync);
        deliver(store, "x@y.example", List.of(ALICE), BODY);
        armed.set(true);

        List<Throwable> failures = runConcurrently(n, () -> deliver(store, "x@y.example", List.of(ALICE), BODY));

        assertThat(failures).hasSize(n).allSatisfy(t -> assertThat(t).isInstanceOf(IOException.class).hasRootCause(injected));
        assertThat(Maildirs.list(store.mailboxDir(ALICE))).hasSize(1);
    }

    @Test
    void listingParsesSizesAndFlags() throws IOException {
        Path folder = root.resolve("f");
        Files.createDirectories(folder.resolve("cur"));
        Files.createDirectories(folder.resolve("new"));
        Files.createFile(folder.resolve("cur").resolve("1700000001.M5P7Q2.h,S=120,W=124:2,FS"));
        Files.createFile(folder.resolve("new").resolve("1700000002.M5P7Q3.h,S=10,W=12"));
        Files.createFile(folder.resolve("cur").resolve("1700000000.M1P7Q1.h:2,"));
        Files.createFile(folder.resolve("cur").resolve(".hidden"));

        List<MaildirEntry> entries = Maildirs.list(folder);
        assertThat(entries).extracting(e -> e.name().baseName())
                .containsExactly("1700000000.M1P7Q1.h", "1700000001.M5P7Q2.h,S=120,W=124", "1700000002.M5P7Q3.h,S=10,W=12");
        MaildirEntry seen = entries.get(1);
        assertThat(seen.isNew()).isFalse();
        assertThat(seen.name().size()).hasValue(120);
        assertThat(seen.name().virtualSize()).hasValue(124);
        assertThat(seen.name().flags()).isEqualTo("FS");
        assertThat(seen.name().hasFlag('S')).isTrue();
        assertThat(seen.name().hasFlag('R')).isFalse();
        assertThat(entries.get(0).name().size()).isEmpty();
        assertThat(entries.get(2).isNew()).isTrue();
        assertThat(Maildirs.list(root.resolve("missing"))).isEmpty();
    }

    @Test
    void hostnameIsSanitisedLikeDovecot() {
        assertThat(MaildirNames.sanitiseHost("a/b:c")).isEqualTo("a\\057b\\072c");
        String name = new MaildirNames("h/x:y").next();
        assertThat(name).matches("\\d+\\.M\\d+P\\d+Q\\d+\\.h\\\\057x\\\\072y");
    }
}
