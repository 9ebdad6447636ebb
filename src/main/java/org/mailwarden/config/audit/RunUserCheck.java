package org.mailwarden.config.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.RunAs;
import org.mailwarden.unix.UnixUser;

/**
 * Who the server runs as (the effective user, always reported), and whether that user, once root is dropped, can
 * reach the data and read what the server reads: the tables of the config dir (critical: the server would work
 * from a wrong view of accounts and restrictions), DKIM keys and a configured certificate (warnings: they are
 * re-read while running).
 */
final class RunUserCheck implements ConfigCheck {

    /** The config dir's files the server reads while it runs. */
    static final List<String> TABLES = List.of("postfix-accounts.cf", "postfix-virtual.cf", "postfix-regexp.cf",
            "postfix-send-access.cf", "postfix-receive-access.cf", "postfix-sender-login-maps.cf",
            "postfix-relaymap.cf", "dovecot-quotas.cf", "mailwarden-account-networks.cf");

    @Override
    public String name() {
        return "run-user";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        ServerConfig config = context.config();
        RunAs runAs;
        try {
            runAs = RunAs.resolve(config.runUser(), config.runGroup(), config.mailDir());
        } catch (ConfigException e) {
            return List.of(Finding.critical("run.user-invalid", e.getMessage(),
                    "set run.user (DMS_VMAIL_UID) to a user that exists, a uid, or uid:gid"));
        }
        return switch (runAs) {
            case RunAs.Stay s when s.user().isRoot() -> List.of(Finding.warning("run.user-root", "the server keeps "
                    + "running as root (" + s.source() + "): a flaw in any protocol runs with every privilege, and what "
                    + "it writes is root's, which Dovecot running as 5000 cannot read after a move back",
                    "remove run.user = root: the default runs as the mail dir's owner or docker-mailserver's 5000:5000"));
            case RunAs.Stay s -> List.of(Finding.info("run.user", "the server runs as " + s.user().label() + ", "
                    + s.source() + ": nothing to drop; the mail, state and tls dirs must be writable by it", ""));
            case RunAs.Switch s -> {
                List<Finding> out = new ArrayList<>();
                out.add(Finding.info("run.user", "the server binds its ports as root, then runs as " + s.user().label()
                        + ", which owns the mail, state and tls files it writes; chosen by: " + s.source(), ""));
                try {
                    access(config, s.user(), out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                yield out;
            }
        };
    }

    private static void access(ServerConfig config, UnixUser user, List<Finding> out) throws IOException {
        String who = "the mail user " + user.label();
        Path mailParent = config.mailDir().getParent();
        Map<Path, List<Path>> blockedBy = new LinkedHashMap<>(); // one finding per closed directory
        for (Path p : new LinkedHashSet<>(List.of(config.dataDir(), config.configDir(),
                mailParent == null ? config.mailDir() : mailParent))) {
            Optional<Path> blocked = FileOwners.blockedOnTheWay(p, user);
            if (blocked.isPresent()) {
                blockedBy.computeIfAbsent(blocked.get(), b -> new ArrayList<>()).add(p);
            }
        }
        for (Map.Entry<Path, List<Path>> b : blockedBy.entrySet()) {
            String mode = FileOwners.stat(b.getKey()).map(FileOwners.Stat::label).orElse("?");
            out.add(Finding.critical("run.user-blocked", who + " cannot reach " + b.getValue().stream()
                    .map(Path::toString).collect(Collectors.joining(", ")) + ": " + b.getKey() + " (" + mode
                    + ") is closed to it", "chmod o+x " + b.getKey() + " (or let group " + user.gid()
                    + " search it), keep the data in a directory it can reach, or set run.user"));
        }
        for (String name : TABLES) {
            Path f = config.configDir().resolve(name);
            if (Files.exists(f) && !FileOwners.canRead(f, user)) {
                out.add(Finding.critical("run.user-cannot-read", who + " cannot read " + f + " ("
                        + FileOwners.stat(f).map(FileOwners.Stat::label).orElse("?") + "): the server would run "
                        + "without it", "chgrp " + user.gid() + " " + f + " && chmod g+r " + f
                        + " (mailwarden's commands keep owner, group and mode)"));
            }
        }
        Path keys = config.configDir().resolve("opendkim").resolve("keys");
        if (Files.isDirectory(keys)) {
            try (DirectoryStream<Path> domains = Files.newDirectoryStream(keys, Files::isDirectory)) {
                for (Path domain : domains) {
                    try (DirectoryStream<Path> ks = Files.newDirectoryStream(domain, "*.private")) {
                        for (Path k : ks) {
                            if (!FileOwners.canRead(k, user)) {
                                out.add(Finding.warning("run.user-cannot-read-dkim-key", who + " cannot read " + k
                                        + ": mail from " + domain.getFileName() + " would leave unsigned",
                                        "chgrp " + user.gid() + " " + k + " && chmod g+r " + k));
                            }
                        }
                    }
                }
            }
        }
        for (Path f : new Path[] {config.tlsCert(), config.tlsKey()}) {
            if (f != null && Files.exists(f) && !FileOwners.canRead(f, user)) {
                out.add(Finding.warning("run.user-cannot-reload-tls", who + " cannot read " + f + ": it is read as "
                        + "root at start, but a renewed certificate is not picked up until a restart",
                        "let the group " + user.gid() + " read it (certbot: a deploy hook running chgrp and chmod g+r "
                                + "on privkey.pem), or restart Mailwarden after each renewal"));
            }
        }
    }
}
