package org.mailwarden.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuotaLimitsTest {

    @TempDir
    Path dir;

    @Test
    void sizesAreDovecotsPowersOf1024() {
        assertThat(QuotaLimits.parseSize("0")).isZero();
        assertThat(QuotaLimits.parseSize("1234")).isEqualTo(1234);
        assertThat(QuotaLimits.parseSize("10B")).isEqualTo(10);
        assertThat(QuotaLimits.parseSize("2k")).isEqualTo(2048);
        assertThat(QuotaLimits.parseSize("500M")).isEqualTo(500L << 20);
        assertThat(QuotaLimits.parseSize(" 10G ")).isEqualTo(10L << 30);
        assertThat(QuotaLimits.parseSize("1T")).isEqualTo(1L << 40);
        for (String bad : List.of("", "G", "-1", "1.5G", "10X", "12345678901234567", "9999999999999999T")) {
            assertThatThrownBy(() -> QuotaLimits.parseSize(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void malformedLinesAreSkippedAndTheFirstLineForAnAccountWins() {
        var limits = QuotaLimits.parse("dovecot-quotas.cf", List.of(
                "# comment", "", "Alice@Example.test:10M", "alice@example.test:1G", "bob@example.test:lots",
                "no-at-sign:5M", "carol@example.test:0", "dave@example.test : 2K"));
        assertThat(limits).containsOnlyKeys("alice@example.test", "carol@example.test", "dave@example.test")
                .containsEntry("alice@example.test", 10L << 20).containsEntry("carol@example.test", 0L)
                .containsEntry("dave@example.test", 2048L);
    }

    @Test
    void reloadsWhenTheFileChanges() throws Exception {
        QuotaLimits q = new QuotaLimits(dir);
        assertThat(q.storageLimit("alice@example.test")).isZero(); // no file: unlimited
        Path f = dir.resolve(AccountFiles.QUOTAS_FILE);
        Files.writeString(f, "alice@example.test:1M\n");
        assertThat(q.storageLimit("ALICE@example.test")).isEqualTo(1L << 20);
        Files.writeString(f, "alice@example.test:2M\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(q.storageLimit("alice@example.test")).isEqualTo(2L << 20);
        Files.delete(f);
        assertThat(q.storageLimit("alice@example.test")).isZero();
    }
}
