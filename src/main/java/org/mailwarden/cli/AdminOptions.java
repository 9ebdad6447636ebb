package org.mailwarden.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.ConfigFiles;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.directory.AccountFiles;
import org.mailwarden.unix.RunAs;
import picocli.CommandLine.Option;

/** --data-dir and --config-dir, as for serve: every admin command works on the same files the server reads. */
final class AdminOptions {

    @Option(names = "--data-dir", description = "Data directory. Default: $MAILWARDEN_DATA, else ./data",
            defaultValue = "${env:MAILWARDEN_DATA:-data}")
    Path dataDir;

    @Option(names = "--config-dir", description = "docker-mailserver config dir (postfix-accounts.cf, ...). "
            + "Default: <data-dir>/config")
    Path configDir;

    Path configDir() {
        Path dir = configDir != null ? configDir : dataDir.resolve("config");
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ConfigException(dir + " is not a directory: point --config-dir (or --data-dir) at the folder "
                    + "holding postfix-accounts.cf");
        }
        return dir.toAbsolutePath().normalize();
    }

    AccountFiles files() {
        return new AccountFiles(configDir(), serverGroup());
    }

    /**
     * Run by root: the group the server runs as (as serve resolves it), which files this command creates in the
     * config dir get, so that the server can read them; {@link ConfigFiles#NO_GROUP} otherwise.
     */
    int serverGroup() {
        return switch (runAs()) {
            case RunAs.Switch s -> s.user().gid();
            case RunAs.Stay s -> ConfigFiles.NO_GROUP;
        };
    }

    /** Who a server on this data dir runs as, started by the user running this command. */
    RunAs runAs() {
        return runAs(dataDir, configDir());
    }

    static RunAs runAs(Path dataDir, Path configDir) {
        List<String> run = ServerConfig.runUserSettings(configDir, System.getenv());
        return RunAs.resolve(run.get(0), run.get(1), dataDir.resolve("mail").toAbsolutePath().normalize());
    }
}
