package org.mailwarden.unix;

import java.util.List;
import java.util.Optional;

/**
 * A process identity: user and group ids, the supplementary groups, and the user's name when the user database
 * knows the uid (docker-mailserver's 5000 usually has none outside its container).
 */
public record UnixUser(int uid, int gid, List<Integer> groups, Optional<String> name) {

    public static final int ROOT = 0;

    public UnixUser {
        groups = List.copyOf(groups);
    }

    /** The effective identity of this process. */
    public static UnixUser current() {
        int uid = Libc.geteuid();
        return new UnixUser(uid, Libc.getegid(), List.of(), Libc.getpwuid(uid).map(Libc.Passwd::name));
    }

    /**
     * The user {@code uid} with primary group {@code gid}; its supplementary groups come from the group database when
     * the uid has a name there, as login and Dovecot set them (a group such as ssl-cert then applies to the server).
     */
    public static UnixUser of(int uid, int gid) {
        Optional<String> name = Libc.getpwuid(uid).map(Libc.Passwd::name);
        List<Integer> groups = name.map(n -> Libc.getgrouplist(n, gid)).orElse(List.of(gid));
        return new UnixUser(uid, gid, groups.contains(gid) ? groups : append(groups, gid), name);
    }

    /** A user of the user database by name, with its primary group. */
    public static Optional<UnixUser> byName(String name) {
        return Libc.getpwnam(name).map(p -> of(p.uid(), p.gid()));
    }

    /** The primary group of a uid in the user database. */
    public static Optional<Integer> primaryGroup(int uid) {
        return Libc.getpwuid(uid).map(Libc.Passwd::gid);
    }

    /** A group of the group database by name. */
    public static Optional<Integer> groupByName(String name) {
        return Libc.getgrnam(name);
    }

    public boolean isRoot() {
        return uid == ROOT;
    }

    /** Whether this user is in the group: its primary group or a supplementary one. */
    public boolean inGroup(int group) {
        return gid == group || groups.contains(group);
    }

    /** "5000:5000", or "vmail (5000:5000)" when the uid has a name. */
    public String label() {
        return name.map(n -> n + " (" + uid + ":" + gid + ")").orElse(uid + ":" + gid);
    }

    private static List<Integer> append(List<Integer> groups, int gid) {
        List<Integer> out = new java.util.ArrayList<>(groups);
        out.add(gid);
        return out;
    }
}
