package org.mailwarden.unix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Giving up root: once the server's ports are bound, {@link #drop} makes the whole process (every thread) the mail
 * user, for good, and proves it did.
 */
public final class Privileges {

    /** Dovecot's modes: files 0600, directories 0700. */
    public static final int PRIVATE_UMASK = 0077;

    private Privileges() {}

    /** Whether this process runs as root (its effective uid is 0). */
    public static boolean isRoot() {
        return Libc.geteuid() == UnixUser.ROOT;
    }

    /** Sets the process-wide umask (all threads share it); returns the previous one. */
    public static int umask(int mask) {
        return Libc.umask(mask);
    }

    /**
     * Switches from root to {@code user}: supplementary groups, then the group, then the user (the order that
     * still has the right to do each step). glibc applies each call to every thread. Afterwards real and
     * effective ids are checked, for the process and for each of its threads in /proc, and a way back to root
     * must be refused; anything else throws, and the caller must not go on.
     */
    public static void drop(UnixUser user) throws IOException {
        if (user.isRoot()) {
            throw new IllegalArgumentException("dropping to root is not dropping");
        }
        try {
            Libc.setgroups(user.groups());
            Libc.setgid(user.gid());
            Libc.setuid(user.uid());
        } catch (Libc.Failure e) {
            throw new IOException("cannot switch to the mail user " + user.label() + ": " + e.getMessage(), e);
        }
        List<String> wrong = check(user);
        if (!wrong.isEmpty()) {
            throw new IOException("switching to the mail user " + user.label() + " did not take: " + wrong);
        }
    }

    /** What does not match {@code user} after a drop; empty when the drop is complete. */
    static List<String> check(UnixUser user) throws IOException {
        List<String> wrong = new ArrayList<>();
        int[] ids = {Libc.getuid(), Libc.geteuid(), Libc.getgid(), Libc.getegid()};
        if (ids[0] != user.uid() || ids[1] != user.uid() || ids[2] != user.gid() || ids[3] != user.gid()) {
            wrong.add("uid=" + ids[0] + " euid=" + ids[1] + " gid=" + ids[2] + " egid=" + ids[3]);
        }
        try {
            Libc.setuid(UnixUser.ROOT);
            wrong.add("setuid(0) succeeded afterwards");
        } catch (Libc.Failure expected) {
            // the way back is closed, as it must be
        }
        Path tasks = Path.of("/proc/self/task");
        if (Files.isDirectory(tasks)) {
            try (Stream<Path> s = Files.list(tasks)) {
                for (Path task : s.toList()) {
                    String ids4 = "\t" + user.uid() + "\t" + user.uid() + "\t" + user.uid() + "\t" + user.uid();
                    String gids4 = "\t" + user.gid() + "\t" + user.gid() + "\t" + user.gid() + "\t" + user.gid();
                    List<String> status;
                    try {
                        status = Files.readAllLines(task.resolve("status"));
                    } catch (java.nio.file.NoSuchFileException gone) {
                        continue; // the thread ended meanwhile
                    }
                    for (String line : status) {
                        if (line.startsWith("Uid:") && !line.substring(4).equals(ids4)
                                || line.startsWith("Gid:") && !line.substring(4).equals(gids4)) {
                            wrong.add("thread " + task.getFileName() + " " + line.replace('\t', ' '));
                        }
                    }
                }
            }
        }
        return wrong;
    }
}
