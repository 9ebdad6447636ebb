package org.mailwarden.queue;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestServer;
import org.slf4j.LoggerFactory;

/**
 * What a crash leaves in the queue directory goes away at the next start: files in tmp/ older than 36 hours (as
 * Maildir's tmp/), and message or state files without an envelope after a grace period, each with a log line.
 * Recent files, which may belong to a commit in progress, and complete entries stay.
 */
class QueueLeftoversTest {

    @TempDir
    Path dir;

    @Test
    void oldTmpFilesAndOrphansAreRemovedAtStartWithALogLine() throws Exception {
        Path queue = dir.resolve("state/queue");
        Path tmp = queue.resolve("tmp");
        Files.createDirectories(tmp);
        Path oldTmp = aged(tmp.resolve("OLDTMP000001.eml"), Duration.ofHours(40));
        Path freshTmp = aged(tmp.resolve("NEWTMP000001.eml"), Duration.ofHours(30));
        Path orphan = aged(queue.resolve("ORPHAN000001.eml"), Duration.ofHours(2));
        Path orphanState = aged(queue.resolve("ORPHAN000002.state"), Duration.ofHours(2));
        Path recentOrphan = aged(queue.resolve("RECENT000001.eml"), Duration.ofMinutes(5));
        // a complete entry, as old as the orphans, whose delivery is not due yet
        Path entry = aged(queue.resolve("ENTRY0000001.eml"), Duration.ofHours(2));
        Files.writeString(queue.resolve("ENTRY0000001.env"), "from <alice@example.test>\nto <x@remote.test>\n");
        Files.writeString(queue.resolve("ENTRY0000001.state"), "created\t" + Instant.now().toEpochMilli()
                + "\nattempts\t1\nnext\t" + Instant.now().plus(Duration.ofDays(1)).toEpochMilli() + "\nwarned\t0\n");

        Logger log = (Logger) LoggerFactory.getLogger(DeliveryAgent.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (TestServer t = TestServer.start(dir)) {
            assertThat(oldTmp).doesNotExist();
            assertThat(orphan).doesNotExist();
            assertThat(orphanState).doesNotExist();
            assertThat(freshTmp).exists();
            assertThat(recentOrphan).exists();
            assertThat(entry).exists();
            assertThat(t.queueEnvelopes()).hasSize(1);
        } finally {
            log.detachAppender(logged);
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("event=queue-tmp-removed ") && m.contains("OLDTMP000001.eml")
                        && m.contains("age=40h"))
                .anyMatch(m -> m.startsWith("event=queue-orphan-removed id=ORPHAN000001 ")
                        && m.contains("reason=no-envelope"))
                .anyMatch(m -> m.startsWith("event=queue-orphan-removed id=ORPHAN000002 "))
                .noneMatch(m -> m.contains("NEWTMP") || m.contains("RECENT") || m.contains("ENTRY"));
    }

    private static Path aged(Path file, Duration age) throws Exception {
        Files.writeString(file, "Subject: left over\r\n\r\nx\r\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(age)));
        return file;
    }
}
