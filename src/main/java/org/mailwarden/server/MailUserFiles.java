package org.mailwarden.server;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.UnixUser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before serve gives up root: everything the server writes belongs to the mail user, so that it can go on
 * writing after the drop and Dovecot (running as that user, after a move back to docker-mailserver) can read it.
 *
 * <ul>
 *   <li>the state dir (queue, bans, admin token and port) and, for a self-signed certificate, the tls dir: all of
 *       it, they are Mailwarden's own and small;
 *   <li>the mail dir: its top, the domain directories and the mailbox directories are looked at, and only a
 *       directory that is not the user's is handed over with what is under it. A docker-mailserver tree owned by
 *       5000 is not walked: a big mail store would take long to walk at every start;
 *   <li>the config dir is not touched: the server only reads it (config check says what it cannot read).
 * </ul>
 */
public final class MailUserFiles {

    private static final Logger LOG = LoggerFactory.getLogger(MailUserFiles.class);

    private MailUserFiles() {}

    public static void handOver(ServerConfig config, UnixUser user) throws IOException {
        handOverTree(config.stateDir(), user);
        if (config.tlsCert() == null) {
            handOverTree(config.tlsDir(), user);
        }
        handOverMail(config.mailDir(), user, 0);
    }

    /** A mail dir level (0 top, 1 domain, 2 mailbox): handed over whole if not the user's, else its children looked at. */
    private static void handOverMail(Path dir, UnixUser user, int depth) throws IOException {
        Optional<FileOwners.Stat> s = FileOwners.stat(dir);
        if (s.isEmpty() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (s.get().uid() != user.uid()) {
            handOverTree(dir, user);
            return;
        }
        if (depth == 2) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                handOverMail(child, user, depth + 1);
            }
        }
    }

    private static void handOverTree(Path tree, UnixUser user) throws IOException {
        int changed = FileOwners.handOver(tree, user);
        if (changed > 0) {
            LOG.info("event=chown path={} entries={} owner={}", tree, changed, user.uid() + ":" + user.gid());
        }
    }
}
