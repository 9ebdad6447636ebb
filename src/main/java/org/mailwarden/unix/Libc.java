package org.mailwarden.unix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The few glibc calls Mailwarden needs, through the Foreign Function &amp; Memory API (java.lang.foreign): process
 * identity (getuid ... setuid), the umask, and user and group lookups (getpwnam, getgrnam, getgrouplist, which go
 * through NSS as every other program's do). glibc's setgroups, setgid and setuid apply the change to every thread
 * of the process (its "setxid" broadcast), which is what makes dropping root from a JVM with many threads safe.
 *
 * <p>The JVM needs {@code --enable-native-access=ALL-UNNAMED} (the launcher and the jar's manifest pass it) to call
 * these without a warning. The lookups return glibc's static buffers, copied at once under a lock. Linux x86-64
 * and aarch64 layouts: {@code struct passwd} has pw_uid at 16 and pw_gid at 20, {@code struct group} gr_gid at 16.
 */
final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle GETUID = call("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = call("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETGID = call("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEGID = call("getegid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle UMASK = call("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETUID = callWithErrno("setuid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETGID = callWithErrno("setgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETGROUPS = callWithErrno("setgroups",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle GETPWNAM = call("getpwnam", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle GETPWUID = call("getpwuid", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle GETGRNAM = call("getgrnam", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle GETGROUPLIST = call("getgrouplist",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle STRERROR = call("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private static final long PW_NAME = 0;
    private static final long PW_UID = 16;
    private static final long PW_GID = 20;
    private static final long PW_SIZE = 48;
    private static final long GR_GID = 16;
    private static final long GR_SIZE = 32;

    private Libc() {}

    /** One entry of the user database. */
    record Passwd(String name, int uid, int gid) {}

    /** A failed call: its name and errno, with glibc's text for it. */
    static final class Failure extends Exception {
        Failure(String call, int errno) {
            super(call + " failed: " + strerror(errno) + " (errno " + errno + ")");
        }
    }

    static int getuid() {
        return (int) invoke(GETUID);
    }

    static int geteuid() {
        return (int) invoke(GETEUID);
    }

    static int getgid() {
        return (int) invoke(GETGID);
    }

    static int getegid() {
        return (int) invoke(GETEGID);
    }

    /** Sets the process's umask and returns the previous one. */
    static int umask(int mask) {
        return (int) invoke(UMASK, mask);
    }

    static void setuid(int uid) throws Failure {
        checked("setuid", SETUID, uid);
    }

    static void setgid(int gid) throws Failure {
        checked("setgid", SETGID, gid);
    }

    static void setgroups(List<Integer> gids) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, gids.size()));
            for (int i = 0; i < gids.size(); i++) {
                list.setAtIndex(JAVA_INT, i, gids.get(i));
            }
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(SETGROUPS, state, (long) gids.size(), list);
            if (rc != 0) {
                throw new Failure("setgroups", (int) ERRNO.get(state, 0L));
            }
        }
    }

    static synchronized Optional<Passwd> getpwnam(String name) {
        try (Arena arena = Arena.ofConfined()) {
            return passwd((MemorySegment) invoke(GETPWNAM, arena.allocateFrom(name)));
        }
    }

    static synchronized Optional<Passwd> getpwuid(int uid) {
        return passwd((MemorySegment) invoke(GETPWUID, uid));
    }

    static synchronized Optional<Integer> getgrnam(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = (MemorySegment) invoke(GETGRNAM, arena.allocateFrom(name));
            return g.equals(MemorySegment.NULL) ? Optional.empty()
                    : Optional.of(g.reinterpret(GR_SIZE).get(JAVA_INT, GR_GID));
        }
    }

    /** The groups of a user of the database: {@code gid} and every group that lists it as a member. */
    static List<Integer> getgrouplist(String user, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(user);
            MemorySegment count = arena.allocate(JAVA_INT);
            int size = 32;
            while (true) {
                MemorySegment groups = arena.allocate(JAVA_INT, size);
                count.set(JAVA_INT, 0, size);
                int rc = (int) invoke(GETGROUPLIST, name, gid, groups, count);
                int n = count.get(JAVA_INT, 0);
                if (rc >= 0) {
                    List<Integer> out = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        out.add(groups.getAtIndex(JAVA_INT, i));
                    }
                    return out;
                }
                size = Math.max(n, size * 2);
            }
        }
    }

    private static Optional<Passwd> passwd(MemorySegment p) {
        if (p.equals(MemorySegment.NULL)) {
            return Optional.empty();
        }
        MemorySegment pw = p.reinterpret(PW_SIZE);
        String name = pw.get(ADDRESS, PW_NAME).reinterpret(Long.MAX_VALUE).getString(0);
        return Optional.of(new Passwd(name, pw.get(JAVA_INT, PW_UID), pw.get(JAVA_INT, PW_GID)));
    }

    private static String strerror(int errno) {
        MemorySegment s = (MemorySegment) invoke(STRERROR, errno);
        return s.equals(MemorySegment.NULL) ? "error" : s.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static void checked(String name, MethodHandle h, int arg) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(h, state, arg);
            if (rc != 0) {
                throw new Failure(name, (int) ERRNO.get(state, 0L));
            }
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MethodHandle callWithErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.captureCallState("errno"));
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + ": not a glibc system"));
    }

    private static Object invoke(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
