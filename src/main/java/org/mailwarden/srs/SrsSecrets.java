package org.mailwarden.srs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.SrsConfig;
import org.mailwarden.files.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SRS secrets: SRS_SECRET's comma-separated list when set, else the lines of postsrsd's secret file (each line
 * one secret, its line end removed, empty lines skipped, as postsrsd reads it), created as docker-mailserver does
 * (24 random octets in base64, 0600) when it does not exist yet.
 */
public final class SrsSecrets {

    private static final Logger LOG = LoggerFactory.getLogger(SrsSecrets.class);

    private SrsSecrets() {}

    /** The secrets to use, in order (the first signs); stops start-up with a fix when there are none. */
    public static List<String> load(SrsConfig c) {
        if (!c.secrets().isEmpty()) {
            return c.secrets();
        }
        Path file = c.secretFile();
        try {
            List<String> out = parse(Files.readString(file, StandardCharsets.UTF_8));
            if (out.isEmpty()) {
                throw new ConfigException("SRS: the secret file " + file + " (srs.secret-file) holds no secret. "
                        + "Fix: put one secret a line in it (e.g. the output of 'head -c 24 /dev/urandom | base64'), "
                        + "or set SRS_SECRET");
            }
            return out;
        } catch (NoSuchFileException e) {
            String secret = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(24));
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                AtomicFile.writeString(file, secret);
            } catch (IOException ex) {
                throw new ConfigException("SRS: cannot create the secret file " + file + ": " + ex.getMessage()
                        + ". Fix: make its directory writable, point srs.secret-file elsewhere, or set SRS_SECRET", ex);
            }
            LOG.info("event=srs-secret-created file=\"{}\"", file);
            return List.of(secret);
        } catch (IOException e) {
            throw new ConfigException("SRS: cannot read the secret file " + file + " (srs.secret-file): "
                    + e.getMessage() + ". Fix: make it readable by the server's user, or set SRS_SECRET", e);
        }
    }

    /** postsrsd's reading: one secret a line, CR and LF removed, empty lines skipped. */
    static List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String s = line.replace("\r", "");
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
