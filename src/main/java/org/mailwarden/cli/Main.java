package org.mailwarden.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The mailwarden command: the server and its admin tools, mirroring docker-mailserver's setup. */
@Command(name = "mailwarden", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "An all-in-one mail server under one security model.",
        subcommands = {ServeCommand.class, VersionCommand.class, CommandLine.HelpCommand.class, DkimCommand.class, QueueCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
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
