package org.mailwarden.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mailwarden.queue.QueueDir;
import org.mailwarden.queue.QueueEntry;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.Privileges;
import org.mailwarden.unix.UnixUser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

/**
 * The outbound queue, as Postfix's mailq/postqueue/postsuper. Works on the queue directory with the same
 * atomic state files as the server, so it is safe while the server runs; the running delivery agent sees
 * changes within a few seconds.
 */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Inspect and manage the outbound queue.",
        subcommands = {QueueCommand.ListCmd.class, QueueCommand.Show.class, QueueCommand.Retry.class,
                QueueCommand.Delete.class, QueueCommand.Bounce.class})
final class QueueCommand implements Runnable {

    @Option(names = "--data-dir", defaultValue = "${env:MAILWARDEN_DATA:-data}", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Data directory. Default: $MAILWARDEN_DATA, else ./data")
    Path dataDir;

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    QueueDir queue() {
        return new QueueDir(queueDir());
    }

    private Path queueDir() {
        return dataDir.resolve("state").resolve("queue");
    }

    /**
     * Run by root: what this command wrote in the queue gets the queue dir's owner, the mail user the server runs
     * as (the file is readable by it meanwhile, and the server replaces, never edits, state files).
     */
    void keepQueueOwner() throws IOException {
        Optional<FileOwners.Stat> owner = FileOwners.stat(queueDir());
        if (Privileges.isRoot() && owner.isPresent() && owner.get().uid() != UnixUser.ROOT) {
            int gid = owner.get().gid();
            FileOwners.handOver(queueDir(), new UnixUser(owner.get().uid(), gid, List.of(gid), Optional.empty()));
        }
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        QueueCommand parent;

        Optional<QueueEntry> find(String id) throws IOException {
            Optional<QueueEntry> e = parent.queue().load(id);
            if (e.isEmpty()) {
                System.err.println("mailwarden: no queue entry " + id);
            }
            return e;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List queued messages.")
    static final class ListCmd extends Sub {
        @Option(names = "--json", description = "One JSON array, for scripts.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            QueueDir q = parent.queue();
            List<String> ids = q.ids();
            StringBuilder out = new StringBuilder();
            if (json) {
                out.append('[');
            } else if (ids.isEmpty()) {
                System.out.println("Mail queue is empty");
                return 0;
            } else {
                out.append(String.format("%-12s %8s %-5s %-8s %-24s %s%n", "ID", "SIZE", "TRIES", "AGE", "NEXT",
                        "SENDER -> RECIPIENTS (state)"));
            }
            boolean first = true;
            Instant now = Instant.now();
            for (String id : ids) {
                Optional<QueueEntry> oe = q.load(id);
                if (oe.isEmpty()) {
                    continue;
                }
                QueueEntry e = oe.get();
                long size = Files.exists(q.messageFile(id)) ? Files.size(q.messageFile(id)) : 0;
                if (json) {
                    out.append(first ? "" : ",").append("\n  {\"id\":").append(Json.string(id)).append(",\"sender\":")
                            .append(Json.string(e.sender())).append(",\"size\":").append(size).append(",\"created\":")
                            .append(Json.string(e.created().toString())).append(",\"attempts\":").append(e.attempts())
                            .append(",\"next_attempt\":").append(Json.string(e.nextAttempt().toString()))
                            .append(",\"recipients\":[");
                    for (int i = 0; i < e.recipients().size(); i++) {
                        QueueEntry.Recipient r = e.recipients().get(i);
                        out.append(i > 0 ? "," : "").append("{\"address\":").append(Json.string(r.address()))
                                .append(",\"status\":").append(Json.string(r.status().name().toLowerCase(java.util.Locale.ROOT)))
                                .append(",\"code\":").append(r.code()).append(",\"host\":").append(Json.string(r.host()))
                                .append(",\"detail\":").append(Json.string(r.detail())).append('}');
                    }
                    out.append("]}");
                    first = false;
                } else {
                    out.append(String.format("%-12s %8d %-5d %-8s %-24s <%s>%n", id, size, e.attempts(),
                            age(Duration.between(e.created(), now)), e.nextAttempt().isAfter(now)
                                    ? e.nextAttempt().toString() : "now", e.sender()));
                    for (QueueEntry.Recipient r : e.recipients()) {
                        out.append(String.format("%62s %s (%s)%s%n", "", r.address(),
                                r.status().name().toLowerCase(java.util.Locale.ROOT),
                                r.detail().isEmpty() ? "" : ": " + r.detail()));
                    }
                }
            }
            if (json) {
                out.append(first ? "]" : "\n]").append('\n');
            }
            System.out.print(out);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one entry: envelope, state, header.")
    static final class Show extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException {
            Optional<QueueEntry> oe = find(id);
            if (oe.isEmpty()) {
                return 1;
            }
            QueueEntry e = oe.get();
            System.out.println("id:        " + e.id());
            System.out.println("sender:    <" + e.sender() + ">");
            System.out.println("queued:    " + e.created());
            System.out.println("attempts:  " + e.attempts());
            System.out.println("next:      " + e.nextAttempt());
            for (QueueEntry.Recipient r : e.recipients()) {
                System.out.println("recipient: <" + r.address() + "> " + r.status().name().toLowerCase(java.util.Locale.ROOT)
                        + (r.code() > 0 ? " code=" + r.code() : "") + (r.host().equals("-") ? "" : " host=" + r.host())
                        + (r.detail().isEmpty() ? "" : " detail=\"" + r.detail() + "\""));
            }
            System.out.println();
            Path m = parent.queue().messageFile(id);
            String text = Files.exists(m) ? Files.readString(m, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
            int end = text.indexOf("\r\n\r\n");
            System.out.print((end >= 0 ? text.substring(0, end + 2) : text).replace("\r\n", "\n"));
            return 0;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Try an entry again now.")
    static final class Retry extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException {
            Optional<QueueEntry> e = find(id);
            if (e.isEmpty()) {
                return 1;
            }
            parent.queue().save(e.get().withNextAttempt(Instant.now()));
            parent.keepQueueOwner();
            System.out.println(id + ": will be retried within a few seconds");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an entry without notice.")
    static final class Delete extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException {
            if (!parent.queue().delete(id)) {
                System.err.println("mailwarden: no queue entry " + id);
                return 1;
            }
            System.out.println(id + ": deleted");
            return 0;
        }
    }

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = "Give up on an entry's pending recipients and return it to the sender with a DSN.")
    static final class Bounce extends Sub {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws IOException {
            Optional<QueueEntry> oe = find(id);
            if (oe.isEmpty()) {
                return 1;
            }
            QueueEntry e = oe.get().withRecipients(r -> r.status() == QueueEntry.Status.PENDING
                    ? r.with(QueueEntry.Status.FAILED, 0, "5.0.0 returned to sender by the administrator"
                            + (r.detail().isEmpty() ? "" : "; last error: " + r.detail()), r.host())
                    : r).withNextAttempt(Instant.now());
            parent.queue().save(e);
            parent.keepQueueOwner();
            System.out.println(id + ": will be returned to <" + e.sender() + "> within a few seconds");
            return 0;
        }
    }

    static String age(Duration d) {
        if (d.toDays() > 0) {
            return d.toDays() + "d" + d.toHoursPart() + "h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h" + d.toMinutesPart() + "m";
        }
        return d.toMinutes() + "m" + d.toSecondsPart() + "s";
    }
}
