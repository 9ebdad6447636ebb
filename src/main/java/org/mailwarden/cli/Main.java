package org.mailwarden.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.mailwarden.config.ConfigException;
import org.mailwarden.directory.AccountFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The mailwarden command: the server and its admin tools, mirroring docker-mailserver's setup. */
@Command(name = "mailwarden", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "An all-in-one mail server under one security model.",
        subcommands = {ServeCommand.class, EmailCommand.class, AliasCommand.class, QuotaCommand.class,
                ConfigCommand.class, Fail2banCommand.class, DkimCommand.class, QueueCommand.class,
                VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        if (args.length > 0 && !"serve".equals(args[0])) {
            quietLogs();
        }
        System.exit(run(args));
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with the exit codes of {@link ExitCodes}: refused 1, invalid input 2, bad config 78. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            int code = switch (ex) {
                case AccountFiles.Refused r -> {
                    err.println("mailwarden: " + r.getMessage());
                    yield ExitCodes.FAILED;
                }
                case IllegalArgumentException e -> {
                    err.println("mailwarden: " + e.getMessage());
                    err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
                    yield ExitCodes.USAGE;
                }
                case ConfigException e -> {
                    err.println("mailwarden: configuration error: " + e.getMessage());
                    yield ExitCodes.CONFIG;
                }
                case IOException e -> {
                    err.println("mailwarden: " + e);
                    yield ExitCodes.FAILED;
                }
                case UncheckedIOException e -> {
                    err.println("mailwarden: " + e.getMessage());
                    yield ExitCodes.FAILED;
                }
                default -> throw ex;
            };
            err.flush();
            return code;
        });
        return cl;
    }

    /**
     * Admin commands print results on stdout (and JSON with --json); the server's info log lines, which also go to
     * stdout, would garble that. They stay on when MAILWARDEN_LOG_LEVEL asks for them.
     */
    private static void quietLogs() {
        if (System.getenv("MAILWARDEN_LOG_LEVEL") == null
                && org.slf4j.LoggerFactory.getLogger("org.mailwarden") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"mailwarden " + (v == null ? "dev" : v)};
        }
    }
}
