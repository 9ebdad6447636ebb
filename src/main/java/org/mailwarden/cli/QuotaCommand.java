package org.mailwarden.cli;

import java.util.concurrent.Callable;
import org.mailwarden.directory.AccountFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** docker-mailserver's {@code setup quota ...}: dovecot-quotas.cf. */
@Command(name = "quota", mixinStandardHelpOptions = true, description = "Manage mailbox quotas (dovecot-quotas.cf).",
        subcommands = {QuotaCommand.Set.class, QuotaCommand.Del.class})
final class QuotaCommand implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: set or del");
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Set an account's quota.")
    static final class Set implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ADDRESS") String address;
        @Parameters(index = "1", paramLabel = "SIZE", description = "e.g. 500M, 10G; 0 = unlimited") String size;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            String s = AccountFiles.quotaSize(size);
            admin.files().setQuota(a, s);
            spec.commandLine().getOut().println("quota of " + a + " set to " + s);
            return ExitCodes.OK;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Remove an account's quota.")
    static final class Del implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ADDRESS") String address;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            admin.files().deleteQuota(a);
            spec.commandLine().getOut().println("removed the quota of " + a);
            return ExitCodes.OK;
        }
    }
}
