package org.mailwarden.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.ConfigFiles;
import org.mailwarden.config.PrivateFiles;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.server.MailServer;
import org.mailwarden.server.MailUserFiles;
import org.mailwarden.unix.FileOwners;
import org.mailwarden.unix.Privileges;
import org.mailwarden.unix.RunAs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the server until SIGTERM/SIGINT. With an empty data dir, sets up a demo domain and account first. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the mail server.")
final class ServeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    static final String DEMO_DOMAIN = "example.test";
    static final String DEMO_ACCOUNT = "demo@" + DEMO_DOMAIN;

    @Option(names = "--data-dir", description = "Data directory (config/, mail/, state/, tls/). "
            + "Default: $MAILWARDEN_DATA, else ./data", defaultValue = "${env:MAILWARDEN_DATA:-data}")
    Path dataDir;

    @Option(names = "--config-dir", description = "docker-mailserver config dir (postfix-accounts.cf, ...). "
            + "Default: <data-dir>/config")
    Path configDir;

    @Option(names = "--mail-dir", description = "Maildir root, as docker-mailserver's mail-data. Default: <data-dir>/mail")
    Path mailDir;

    enum PortSet { AUTO, STANDARD, UNPRIVILEGED }

    @Option(names = "--ports", description = "Port set: standard (25/587/465/143/993, POP3 110/995), "
            + "unprivileged (2525/2587/2465/2143/2993, POP3 2110/2995) or auto (standard when root). Default: ${DEFAULT-VALUE}",
            defaultValue = "auto", converter = PortSetConverter.class)
    PortSet portSet;

    static final class PortSetConverter implements picocli.CommandLine.ITypeConverter<PortSet> {
        @Override
        public PortSet convert(String value) {
            return PortSet.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    @Option(names = "--smtp-port", description = "Inbound SMTP port (0 = off). Default: 25 as root, else 2525")
    Integer smtpPort;

    @Option(names = "--submission-port", description = "Submission port, STARTTLS (0 = off). Default: 587 / 2587")
    Integer submissionPort;

    @Option(names = "--submissions-port", description = "Submission port, implicit TLS (0 = off). Default: 465 / 2465")
    Integer submissionsPort;

    @Option(names = "--imap-port", description = "IMAP port, STARTTLS (0 = off). Default: 143 / 2143")
    Integer imapPort;

    @Option(names = "--imaps-port", description = "IMAP port, implicit TLS (0 = off). Default: 993 / 2993")
    Integer imapsPort;

    @Option(names = "--pop3-port", description = "POP3 port, STLS (0 = off), when POP3 is on (ENABLE_POP3=1 or "
            + "pop3.enabled = 1). Default: 110 / 2110")
    Integer pop3Port;

    @Option(names = "--pop3s-port", description = "POP3 port, implicit TLS (0 = off), when POP3 is on. "
            + "Default: 995 / 2995")
    Integer pop3sPort;

    @Option(names = "--no-demo", description = "Do not create the demo account when the data dir has no accounts.")
    boolean noDemo;

    @Option(names = "--force", description = "Start even if 'config check' finds a critical problem "
            + "(also: MAILWARDEN_ALLOW_UNSAFE=1).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        boolean privileged = switch (portSet) {
            case STANDARD -> true;
            case UNPRIVILEGED -> false;
            case AUTO -> "root".equals(System.getProperty("user.name"));
        };
        ServerConfig.Ports std = ServerConfig.Ports.standard(privileged);
        ServerConfig.Ports ports = new ServerConfig.Ports(pick(smtpPort, std.smtp()),
                pick(submissionPort, std.submission()), pick(submissionsPort, std.submissions()),
                pick(imapPort, std.imap()), pick(imapsPort, std.imaps()), pick(pop3Port, std.pop3()),
                pick(pop3sPort, std.pop3s()));
        ServerConfig config;
        try {
            config = ServerConfig.load(dataDir, configDir, mailDir, ports, System.getenv());
        } catch (ConfigException e) {
            System.err.println("mailwarden: configuration error: " + e.getMessage());
            return 78; // EX_CONFIG
        }
        RunAs runAs;
        try {
            runAs = RunAs.resolve(config.runUser(), config.runGroup(), config.mailDir());
        } catch (ConfigException e) {
            System.err.println("mailwarden: configuration error: " + e.getMessage());
            return 78; // EX_CONFIG
        }
        // the data and config dirs must stay open to the mail user: made before the umask below closes new ones
        createReadableDir(config.dataDir());
        createReadableDir(config.configDir());
        if (popPortWithoutPop3(config)) {
            System.err.println("mailwarden: configuration error: --pop3-port/--pop3s-port given but POP3 is off: "
                    + "set ENABLE_POP3=1 (or pop3.enabled = 1 in mailwarden.conf), or drop the option");
            return 78; // EX_CONFIG
        }
        if (!noDemo) {
            createDemoAccount(config, runAs);
        }
        // config check (issue #7): refuse a critical finding unless overridden
        if (!StartupAudit.allowsStart(config, force || StartupAudit.forcedByEnv())) {
            return 78; // EX_CONFIG
        }
        Privileges.umask(Privileges.PRIVATE_UMASK); // from here on: files 0600, directories 0700, as Dovecot's
        MailServer server;
        try {
            server = new MailServer(config).start(() -> becomeMailUser(config, runAs));
        } catch (ConfigException | IOException e) {
            System.err.println("mailwarden: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shutdown"));
        printBanner(config, server);
        stopped.await();
        return 0;
    }

    /**
     * Run between binding the ports and the first session: as root, hand what the server writes to the mail user
     * and become that user for good (a failure stops start-up). Otherwise there is nothing to drop.
     */
    private static void becomeMailUser(ServerConfig config, RunAs runAs) throws IOException {
        switch (runAs) {
            case RunAs.Switch s -> {
                MailUserFiles.handOver(config, s.user());
                Privileges.drop(s.user());
                LOG.info("event=run-as user={} uid={} gid={} source=\"{}\"", s.user().name().orElse("-"),
                        s.user().uid(), s.user().gid(), s.source());
            }
            case RunAs.Stay s -> {
                if (s.user().isRoot()) {
                    LOG.warn("event=run-as user=root uid=0 gid={} source=\"{}\"", s.user().gid(), s.source());
                } else {
                    LOG.info("event=run-as user={} uid={} gid={} source=\"{}\"", s.user().name().orElse("-"),
                            s.user().uid(), s.user().gid(), s.source());
                }
            }
        }
    }

    private static void createReadableDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    /** A POP3 port asked for on the command line while POP3 is off: it would silently do nothing. */
    private boolean popPortWithoutPop3(ServerConfig config) {
        boolean asked = (pop3Port != null && pop3Port != 0) || (pop3sPort != null && pop3sPort != 0);
        return asked && config.listeners().stream().noneMatch(l -> l.protocol() == ListenerConfig.Protocol.POP3);
    }

    /** 0 turns a listener off; null takes the standard port. */
    private static Integer pick(Integer given, int standard) {
        if (given == null) {
            return standard;
        }
        return given == 0 ? null : given;
    }

    /** As serve does it, for the user it will run as. */
    static void createDemoAccount(ServerConfig config) throws IOException {
        createDemoAccount(config, RunAs.resolve(config.runUser(), config.runGroup(), config.mailDir()));
    }

    /**
     * An empty data dir gets one demo account with a random password, printed once and kept in a 0600 file. The
     * accounts file is 0600; when the server will run as the mail user, it is root's with the mail user's group
     * and 0640: readable by the server, which does not write it.
     */
    static void createDemoAccount(ServerConfig config, RunAs runAs) throws IOException {
        Path accounts = config.configDir().resolve("postfix-accounts.cf");
        if (Files.exists(accounts)) {
            return;
        }
        Files.createDirectories(config.configDir());
        byte[] raw = new byte[12];
        new SecureRandom().nextBytes(raw);
        String password = java.util.HexFormat.of().formatHex(raw);
        String line = DEMO_ACCOUNT + "|" + PasswordHashes.hash(password.toCharArray()) + "\n";
        Files.createFile(accounts, PosixFilePermissions.asFileAttribute(ConfigFiles.PRIVATE));
        Files.writeString(accounts, line, StandardOpenOption.TRUNCATE_EXISTING);
        if (runAs instanceof RunAs.Switch s) {
            FileOwners.chgrp(accounts, s.user().gid());
            Files.setPosixFilePermissions(accounts, PosixFilePermissions.fromString("rw-r-----"));
        }
        // the password in clear: 0600 from the first byte
        PrivateFiles.writeString(config.dataDir().resolve("demo-credentials.txt"),
                "account: " + DEMO_ACCOUNT + "\npassword: " + password + "\n");
    }

    private static void printBanner(ServerConfig config, MailServer server) {
        StringBuilder b = new StringBuilder("\nMailwarden is running.\n");
        for (String name : new String[] {"smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"}) {
            int p = server.port(name);
            if (p > 0) {
                b.append(String.format("  %-12s port %d%n", name, p));
            }
        }
        b.append("  data dir     ").append(config.dataDir()).append('\n');
        b.append("  domains      ").append(String.join(", ", server.directory().localDomains())).append('\n');
        Path creds = config.dataDir().resolve("demo-credentials.txt");
        if (Files.exists(creds) && server.directory().account(DEMO_ACCOUNT).isPresent()) {
            b.append("  demo account ").append(DEMO_ACCOUNT).append(" (password in ").append(creds).append(")\n");
            b.append("  its mailbox  ").append(server.store().mailboxDir(DEMO_ACCOUNT).resolve("new")).append('\n');
            b.append("  try:         swaks --to ").append(DEMO_ACCOUNT).append(" --server 127.0.0.1:")
                    .append(server.port("smtp")).append('\n');
        }
        System.out.println(b);
        System.out.flush();
    }
}
