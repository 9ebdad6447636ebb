package org.mailwarden.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.unix.Privileges;

class AtomicFileTest {

    @TempDir
    Path dir;

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static AtomicFile.Content failingAfter(String partial) {
        return out -> {
            out.write(partial.getBytes(StandardCharsets.UTF_8));
            out.flush();
            throw new IOException("disk full (injected)");
        };
    }

    @Test
    void aTempDirectoryHoldsTheTempAndTheTargetDirectoryNone() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path target = dir.resolve("entry.state");
        AtomicFile.Options inTmp = AtomicFile.Options.DEFAULT.inTempDir(tmp);
        AtomicFile.write(target, inTmp, out -> out.write("one".getBytes(StandardCharsets.UTF_8)));
        AtomicFile.write(target, inTmp, out -> out.write("two".getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.readString(target)).isEqualTo("two");
        assertThat(names(tmp)).isEmpty();
        assertThat(names(dir)).containsExactly("entry.state", "tmp");
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(AtomicFile.OWNER_ONLY);
    }

    @Test
    void aFailedWriteKeepsTheOldContentAndLeavesNoTemp() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path target = dir.resolve("table");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> AtomicFile.write(target, AtomicFile.Options.DEFAULT, failingAfter("half")))
                .hasMessageContaining("injected");
        assertThatThrownBy(() -> AtomicFile.write(target, AtomicFile.Options.DEFAULT.inTempDir(tmp),
                failingAfter("half"))).hasMessageContaining("injected");
        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(names(dir)).containsExactly("table", "tmp");
        assertThat(names(tmp)).isEmpty();
    }

    @Test
    void aStreamedReplacementAppearsOnlyAtItsCommitAndAnAbandonedOneLeavesNothing() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path target = dir.resolve("MSG.eml");
        AtomicFile.Options inTmp = AtomicFile.Options.DEFAULT.inTempDir(tmp);
        try (AtomicFile.Pending p = AtomicFile.begin(target, inTmp)) {
            p.out().write("body".getBytes(StandardCharsets.UTF_8));
            assertThat(target).doesNotExist();
            assertThat(names(tmp)).singleElement().satisfies(n -> assertThat(AtomicFile.isTempName(n)).isTrue());
            p.commit();
        }
        assertThat(Files.readString(target)).isEqualTo("body");
        try (AtomicFile.Pending p = AtomicFile.begin(dir.resolve("OTHER.eml"), inTmp)) {
            p.out().write("never committed".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(names(tmp)).isEmpty();
        assertThat(names(dir)).containsExactly("MSG.eml", "tmp");
    }

    @Test
    void theModeIsSetWhateverTheUmaskAndAReplacedFileKeepsItsOwn() throws Exception {
        Path shared = dir.resolve("shared");
        AtomicFile.write(shared, AtomicFile.Options.DEFAULT.withMode(PosixFilePermissions.fromString("rw-rw-r--")),
                out -> out.write('x'));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rw-rw-r--");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("r--r-----"));
        AtomicFile.writeString(shared, "y");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("r--r-----");
    }

    @Test
    void keepingTheOwnerCarriesTheOldFilesOwnerAndGroupOver() throws Exception {
        assumeTrue(Privileges.isRoot(), "skipped: changing file owners needs the tests to run as root (CI does)");
        Path file = dir.resolve("postfix-accounts.cf");
        Files.writeString(file, "old\n");
        Files.setAttribute(file, "unix:uid", 5000);
        Files.setAttribute(file, "unix:gid", 5001);
        AtomicFile.write(file, AtomicFile.Options.DEFAULT.keepingOwner(), out -> out.write('n'));
        assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(5000);
        assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo(5001);
        AtomicFile.write(file, AtomicFile.Options.DEFAULT, out -> out.write('m'));
        assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(0); // without the option: the writer's
        Path created = dir.resolve("new.cf");
        AtomicFile.write(created, AtomicFile.Options.DEFAULT.keepingOwner().withNewFileGroup(5001),
                out -> out.write('c'));
        assertThat(Files.getAttribute(created, "unix:gid")).isEqualTo(5001);
    }
}
