package org.mailwarden.cli;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.RunAs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** DKIM key management, with docker-mailserver's key layout (config/opendkim/keys/DOMAIN/SELECTOR.private). */
@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM signing keys.",
        subcommands = {DkimCommand.Keygen.class})
final class DkimCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Create a signing key for DOMAIN and print the DNS TXT record to publish.")
    static final class Keygen implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain mail is signed for (From: domain).")
        String domain;

        @Option(names = "--selector", defaultValue = "mail", description = "Selector (default: ${DEFAULT-VALUE}).")
        String selector;

        @Option(names = "--type", defaultValue = "rsa",
                description = "rsa (2048 bits, rsa-sha256) or ed25519 (RFC 8463). Default: ${DEFAULT-VALUE}.")
        String type;

        @Option(names = "--data-dir", defaultValue = "${env:MAILWARDEN_DATA:-data}",
                description = "Data directory. Default: $MAILWARDEN_DATA, else ./data")
        Path dataDir;

        @Option(names = "--config-dir", description = "docker-mailserver config dir. Default: <data-dir>/config")
        Path configDir;

        @Override
        public Integer call() throws Exception {
            DkimKey.Type t;
            switch (type.toLowerCase(Locale.ROOT)) {
                case "rsa" -> t = DkimKey.Type.RSA;
                case "ed25519" -> t = DkimKey.Type.ED25519;
                default -> {
                    System.err.println("mailwarden: --type must be rsa or ed25519, not " + type);
                    return 2;
                }
            }
            String d = domain.toLowerCase(Locale.ROOT).strip();
            if (!d.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
                    || !selector.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                System.err.println("mailwarden: not a valid domain or selector: " + domain + " / " + selector);
                return 2;
            }
            Path config = configDir != null ? configDir : dataDir.resolve("config");
            DkimKey key = DkimKey.generate(d, selector, t);
            Path file;
            try {
                file = key.write(config);
            } catch (FileAlreadyExistsException e) {
                System.err.println("mailwarden: " + e.getFile() + " already exists; remove it first or choose "
                        + "another --selector (rotating keys: publish the new selector, then remove the old key)");
                return 1;
            }
            String mode = "mode 0600";
            if (AdminOptions.runAs(dataDir, config) instanceof RunAs.Switch s) {
                // run by root: the server, running as the mail user, reads the key when it signs
                FileOwners.chgrp(file, s.user().gid());
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
                mode = "mode 0640, group " + s.user().gid() + " (the mail user the server runs as)";
            }
            System.out.println("Wrote " + file + " (" + key.algorithm() + ", " + mode + ").");
            System.out.println("Publish this TXT record at " + selector + "._domainkey." + d + ":");
            System.out.println();
            System.out.println(key.txtRecord());
            System.out.println();
            System.out.println("As a zone file line (also in " + file.resolveSibling(selector + ".txt") + "):");
            System.out.print(key.zoneFileLine());
            return 0;
        }
    }
}
