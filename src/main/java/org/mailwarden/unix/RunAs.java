package org.mailwarden.unix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import org.mailwarden.config.ConfigException;

/**
 * Who the server runs as once its ports are bound. Started as root, it switches to the mail user, chosen in this
 * order: {@code run.user} / {@code run.group} (docker-mailserver's DMS_VMAIL_UID / DMS_VMAIL_GID), else the owner
 * of an existing mail dir (unless root owns it), else docker-mailserver's 5000:5000. {@code run.user = root} (or 0)
 * keeps root. Started as anyone else, there is nothing to drop: it runs as is.
 */
public sealed interface RunAs {

    /** docker-mailserver's vmail user and group (DMS_VMAIL_UID, DMS_VMAIL_GID). */
    int DMS_VMAIL_ID = 5000;

    UnixUser user();

    /** Why this user: "run.user", "owner of /srv/mail", "docker-mailserver's default", "not started as root". */
    String source();

    /** Keep the current identity. */
    record Stay(UnixUser user, String source) implements RunAs {}

    /** Switch from root to {@code user} after binding the ports. */
    record Switch(UnixUser user, String source) implements RunAs {}

    /** For this process, as it runs now. */
    static RunAs resolve(String userSetting, String groupSetting, Path mailDir) {
        return resolve(userSetting, groupSetting, mailDir, UnixUser.current());
    }

    static RunAs resolve(String userSetting, String groupSetting, Path mailDir, UnixUser current) {
        String user = userSetting == null ? "" : userSetting.strip();
        String group = groupSetting == null ? "" : groupSetting.strip();
        if (!current.isRoot()) {
            return new Stay(current, user.isEmpty() ? "not started as root"
                    : "not started as root (run.user = " + user + " applies only to a server started as root)");
        }
        int colon = user.indexOf(':');
        if (colon >= 0) {
            String inUser = user.substring(colon + 1).strip();
            user = user.substring(0, colon).strip();
            if (user.isEmpty() || inUser.isEmpty()) {
                throw invalid(userSetting, "expected user:group");
            }
            if (!group.isEmpty() && groupId(inUser) != groupId(group)) {
                throw new ConfigException("run.user = " + userSetting.strip() + " names group " + inUser
                        + " and run.group (DMS_VMAIL_GID) = " + group + " another. Fix: set the group in one of them");
            }
            group = inUser;
        }
        if (user.equals("root") || user.equals("0")) {
            return new Stay(current, "run.user = root");
        }
        int uid;
        int gid;
        String source = "run.user";
        if (user.isEmpty()) {
            Optional<FileOwners.Stat> top;
            try {
                top = FileOwners.stat(mailDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot look at " + mailDir + ": " + e.getMessage(), e);
            }
            if (top.isPresent() && top.get().uid() != UnixUser.ROOT) {
                uid = top.get().uid();
                gid = group.isEmpty() ? top.get().gid() : groupId(group);
                source = "owner of " + mailDir;
            } else {
                uid = DMS_VMAIL_ID;
                gid = group.isEmpty() ? DMS_VMAIL_ID : groupId(group);
                source = "docker-mailserver's default (DMS_VMAIL_UID, DMS_VMAIL_GID)";
            }
        } else if (isNumber(user)) {
            uid = number(user, userSetting);
            gid = group.isEmpty() ? UnixUser.primaryGroup(uid).orElse(uid) : groupId(group);
        } else {
            String name = user;
            UnixUser named = UnixUser.byName(name).orElseThrow(() -> invalid(userSetting, "no user " + name
                    + " in the user database"));
            uid = named.uid();
            gid = group.isEmpty() ? named.gid() : groupId(group);
        }
        if (uid == UnixUser.ROOT) {
            return new Stay(current, "run.user = " + userSetting.strip() + " is root");
        }
        return new Switch(UnixUser.of(uid, gid), source);
    }

    private static int groupId(String group) {
        if (isNumber(group)) {
            return number(group, group);
        }
        return UnixUser.groupByName(group).orElseThrow(() -> new ConfigException("run.group (DMS_VMAIL_GID) = "
                + group + ": no such group in the group database. Fix: a group name or a number such as 5000"));
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static int number(String s, String whole) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw invalid(whole, "id out of range");
        }
    }

    private static ConfigException invalid(String value, String why) {
        return new ConfigException("run.user (DMS_VMAIL_UID) = '" + value + "': " + why + ". Fix: a user name, a "
                + "number such as 5000, user:group such as 5000:5000, or root to keep running as root");
    }
}
