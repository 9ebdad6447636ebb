package org.mailwarden.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.mailwarden.config.ConfigException;
import org.mailwarden.directory.AccountFiles;
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
        return new AccountFiles(configDir());
    }
}
