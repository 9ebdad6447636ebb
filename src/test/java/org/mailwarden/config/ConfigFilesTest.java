package org.mailwarden.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {

    @TempDir
    Path dir;

    @Test
    void newFileGetsTheRequestedPermissionsAndNoBackup() throws Exception {
        Path f = dir.resolve("sub/postfix-accounts.cf");
        ConfigFiles.write(f, List.of("a@b.test|{PLAIN}x"), ConfigFiles.PRIVATE);
        assertThat(Files.readString(f)).isEqualTo("a@b.test|{PLAIN}x\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(f.resolveSibling("postfix-accounts.cf.bak")).doesNotExist();
    }

    @Test
    void editKeepsPermissionsCommentsAndLineEndingsAndBacksUpThePreviousVersion() throws Exception {
        Path f = dir.resolve("postfix-virtual.cf");
        String before = "# managed by hand\r\nteam@b.test a@b.test\r\n\r\n   \r\n";
        Files.writeString(f, before);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));

        List<String> lines = ConfigFiles.readLines(f);
        assertThat(lines).containsExactly("# managed by hand", "team@b.test a@b.test", "", "   ");
        lines.add("x@b.test y@b.test");
        ConfigFiles.write(f, lines, ConfigFiles.SHARED);

        assertThat(Files.readString(f)).isEqualTo(before + "x@b.test y@b.test\r\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
        Path bak = dir.resolve("postfix-virtual.cf.bak");
        assertThat(Files.readString(bak)).isEqualTo(before);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bak))).isEqualTo("rw-r-----");
        try (Stream<Path> s = Files.list(dir)) { // no temporary file left behind
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("postfix-virtual.cf",
                    "postfix-virtual.cf.bak");
        }

        ConfigFiles.write(f, List.of("only@b.test c@b.test"), ConfigFiles.SHARED);
        assertThat(Files.readString(bak)).isEqualTo(before + "x@b.test y@b.test\r\n"); // the latest previous version
    }

    @Test
    void missingFileReadsAsEmpty() throws Exception {
        assertThat(ConfigFiles.readLines(dir.resolve("nope.cf"))).isEmpty();
        Path f = dir.resolve("no-final-newline.cf");
        Files.writeString(f, "a\nb");
        assertThat(ConfigFiles.readLines(f)).containsExactly("a", "b");
    }
}
