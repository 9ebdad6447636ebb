package org.mailwarden.unix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;

/**
 * File owners and what a user may do with a file, by the mode bits (POSIX ACLs are not looked at). Ownership is
 * changed without following symbolic links: a link planted in a tree that root hands over must not hand over its
 * target.
 */
public final class FileOwners {

    private FileOwners() {}

    /** The owner, group and mode of a file (following links), or empty when it does not exist. */
    public record Stat(int uid, int gid, int mode) {

        public String label() {
            return uid + ":" + gid + " " + String.format("%04o", mode & 07777);
        }
    }

    public static Optional<Stat> stat(Path p) throws IOException {
        return stat(p, true);
    }

    private static Optional<Stat> stat(Path p, boolean follow) throws IOException {
        try {
            Map<String, Object> a = follow ? Files.readAttributes(p, "unix:uid,gid,mode")
                    : Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(new Stat((Integer) a.get("uid"), (Integer) a.get("gid"), (Integer) a.get("mode")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Sets the owner and group of {@code p} itself (a link, not its target). */
    public static void chown(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** Sets the group of {@code p}, keeping its owner. */
    public static void chgrp(Path p, int gid) throws IOException {
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Gives {@code tree} and everything under it that is not the user's already to the user and its group, without
     * following links (a linked directory is not entered). Returns how many entries changed.
     */
    public static int handOver(Path tree, UnixUser user) throws IOException {
        if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int[] changed = {0};
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                give(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                give(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // removed meanwhile
                }
                throw e;
            }

            private void give(Path p) throws IOException {
                Optional<Stat> s = stat(p, false);
                if (s.isPresent() && (s.get().uid() != user.uid() || s.get().gid() != user.gid())) {
                    chown(p, user.uid(), user.gid());
                    changed[0]++;
                }
            }
        });
        return changed[0];
    }

    /** Whether the user may read {@code file}. */
    public static boolean canRead(Path file, UnixUser user) throws IOException {
        Optional<Stat> s = stat(file);
        return s.isPresent() && permits(s.get(), user, 4);
    }

    /**
     * The first directory on the way to {@code path} (from /, up to {@code path} itself or its nearest existing
     * ancestor) that the user may not enter, or empty when the way is open.
     */
    public static Optional<Path> blockedOnTheWay(Path path, UnixUser user) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return Optional.empty();
        }
        p = p.toRealPath();
        if (!Files.isDirectory(p)) {
            p = p.getParent();
        }
        Path blocked = null;
        for (Path d = p; d != null; d = d.getParent()) {
            Optional<Stat> s = stat(d);
            if (s.isPresent() && !permits(s.get(), user, 1)) {
                blocked = d; // keep going up: report the outermost, the one to fix first
            }
        }
        return Optional.ofNullable(blocked);
    }

    /** Whether the mode bits that apply to the user (owner's, group's or others') have {@code bit}: 4 r, 2 w, 1 x. */
    static boolean permits(Stat s, UnixUser user, int bit) {
        if (user.isRoot()) {
            return true;
        }
        int mode = s.mode();
        if (s.uid() == user.uid()) {
            return (mode >> 6 & bit) != 0;
        }
        if (user.inGroup(s.gid())) {
            return (mode >> 3 & bit) != 0;
        }
        return (mode & bit) != 0;
    }
}
