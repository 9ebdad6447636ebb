package org.mailwarden.config.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.mailwarden.config.ConfigFiles;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.directory.FileDirectory;

/**
 * What checks look at: the resolved configuration (settings, env overrides and paths), the directory as the server
 * would load it, and the time ("now") so expiry checks are testable.
 */
public record AuditContext(ServerConfig config, FileDirectory directory, Instant now) {

    public static AuditContext of(ServerConfig config, Instant now) {
        return new AuditContext(config, new FileDirectory(config.configDir(), FileDirectory.DEFAULT_RELOAD_INTERVAL,
                config.extraDomains(), config.recipientDelimiter()), now);
    }

    public Path configFile(String name) {
        return config.configDir().resolve(name);
    }

    /** The lines of a file in the config dir; empty if it does not exist. */
    public List<String> lines(String name) {
        try {
            return ConfigFiles.readLines(configFile(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configFile(name) + ": " + e.getMessage(), e);
        }
    }
}
