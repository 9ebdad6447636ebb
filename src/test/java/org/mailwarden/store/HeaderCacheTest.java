package org.mailwarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestMaildir;

/** The SEARCH header cache counts against one process-wide budget, and a closed folder gives its share back. */
class HeaderCacheTest {

    @TempDir
    Path dir;

    @Test
    void closingAFolderReleasesItsCachedHeaders() throws Exception {
        TestMaildir.create(dir);
        MaildirFolder f = MaildirFolder.open(dir);
        long uid = f.append("Subject: cached\r\nFrom: a@b.test\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8),
                "", Instant.now());
        long before = MaildirFolder.headerCacheTotal();
        assertThat(f.header(uid)).get().asString().contains("Subject: cached");
        assertThat(MaildirFolder.headerCacheTotal()).isGreaterThan(before);
        assertThat(f.header(uid)).get().asString().contains("From: a@b.test"); // served from the cache
        f.close();
        assertThat(MaildirFolder.headerCacheTotal()).isEqualTo(before);
        assertThat(MaildirFolder.HEADER_CACHE_TOTAL_MAX).isGreaterThanOrEqualTo(MaildirFolder.HEADER_CACHE_MAX);
    }
}
