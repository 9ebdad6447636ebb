package org.mailwarden.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mailwarden.directory.AccountFiles;
import org.mailwarden.directory.AccountFiles.AccountInfo;
import org.mailwarden.directory.AccountFiles.Restriction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** docker-mailserver's {@code setup email ...}: accounts in postfix-accounts.cf. */
@Command(name = "email", mixinStandardHelpOptions = true, description = "Manage mail accounts (postfix-accounts.cf).",
        subcommands = {EmailCommand.Add.class, EmailCommand.Update.class, EmailCommand.Del.class,
                EmailCommand.ListAccounts.class, EmailCommand.Restrict.class})
final class EmailCommand implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: add, update, del, list or restrict");
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Add an account.",
            "Without PASSWORD: asks on the terminal (no echo, twice), or reads one line from standard input."})
    static final class Add implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ADDRESS", description = "user@domain") String address;
        @Parameters(index = "1", paramLabel = "PASSWORD", arity = "0..1",
                description = "Discouraged: visible in the process list. Omit it to be prompted or use stdin.")
        String password;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            AccountFiles files = admin.files();
            if (files.hasAccount(a)) { // before asking for a password that would be thrown away
                throw new AccountFiles.Refused("account " + a + " already exists (use 'email update' to change its password)");
            }
            files.addAccount(a, Passwords.newPasswordHash(a, password, spec.commandLine().getErr()));
            spec.commandLine().getOut().println("added account " + a);
            return ExitCodes.OK;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = {"Change an account's password.",
            "Without PASSWORD: asks on the terminal (no echo, twice), or reads one line from standard input."})
    static final class Update implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ADDRESS") String address;
        @Parameters(index = "1", paramLabel = "PASSWORD", arity = "0..1",
                description = "Discouraged: visible in the process list. Omit it to be prompted or use stdin.")
        String password;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            AccountFiles files = admin.files();
            if (!files.hasAccount(a)) {
                throw new AccountFiles.Refused("account " + a + " does not exist (use 'email add' to create it)");
            }
            files.updateAccount(a, Passwords.newPasswordHash(a, password, spec.commandLine().getErr()));
            spec.commandLine().getOut().println("updated the password of " + a);
            return ExitCodes.OK;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = {"Delete an account, with its quota, "
            + "restrictions and alias targets. The mailbox stays on disk.",
            "Asks for confirmation on a terminal; without one, -y is required."})
    static final class Del implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "-y", description = "Do not ask for confirmation.") boolean yes;
        @Parameters(paramLabel = "ADDRESS") String address;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            AccountFiles files = admin.files();
            if (!files.hasAccount(a)) {
                throw new AccountFiles.Refused("account " + a + " does not exist");
            }
            if (!yes && !Passwords.confirm("delete account " + a)) {
                spec.commandLine().getErr().println("mailwarden: not deleted");
                return ExitCodes.FAILED;
            }
            List<String> notes = files.deleteAccount(a);
            PrintWriter out = spec.commandLine().getOut();
            out.println("deleted account " + a + (notes.isEmpty() ? "" : "; " + String.join(", ", notes))
                    + " (its mailbox is kept)");
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List accounts with their quota, aliases and restrictions (never password hashes).")
    static final class ListAccounts implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--json", description = "Print a JSON array.") boolean json;

        @Override
        public Integer call() throws Exception {
            List<AccountInfo> accounts = admin.files().list();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println("[" + String.join(",", accounts.stream().map(ListAccounts::json).toList()) + "]");
                return ExitCodes.OK;
            }
            for (AccountInfo a : accounts) {
                out.println("* " + a.address() + (a.quota() == null ? "" : " (quota " + a.quota() + ")"));
                if (!a.aliases().isEmpty()) {
                    out.println("    [ aliases -> " + String.join(", ", a.aliases()) + " ]");
                }
                if (!a.restrictions().isEmpty()) {
                    out.println("    [ restricted: " + String.join(", ", a.restrictions()) + " ]");
                }
            }
            return ExitCodes.OK;
        }

        private static String json(AccountInfo a) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("address", Json.string(a.address()));
            m.put("quota", Json.string(a.quota()));
            m.put("aliases", Json.strings(a.aliases()));
            m.put("restrictions", Json.strings(a.restrictions()));
            return Json.object(m);
        }
    }

    /** send|receive, as docker-mailserver spells them. */
    static final class RestrictionConverter implements CommandLine.ITypeConverter<Restriction> {
        @Override
        public Restriction convert(String value) {
            try {
                return Restriction.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected send or receive, got '" + value + "'");
            }
        }
    }

    @Command(name = "restrict", mixinStandardHelpOptions = true, description = "Stop an address from sending or "
            + "receiving mail (postfix-send-access.cf, postfix-receive-access.cf).",
            subcommands = {RestrictAdd.class, RestrictDel.class, RestrictList.class})
    static final class Restrict implements Runnable {
        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: add, del or list");
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Restrict an address: send or receive.")
    static final class RestrictAdd implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "send|receive", converter = RestrictionConverter.class) Restriction mode;
        @Parameters(index = "1", paramLabel = "ADDRESS") String address;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            admin.files().restrict(mode, a);
            spec.commandLine().getOut().println("restricted " + a + " from " + (mode == Restriction.SEND
                    ? "sending" : "receiving"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true, description = "Lift a restriction: send or receive.")
    static final class RestrictDel implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "send|receive", converter = RestrictionConverter.class) Restriction mode;
        @Parameters(index = "1", paramLabel = "ADDRESS") String address;

        @Override
        public Integer call() throws Exception {
            String a = AccountFiles.address(address);
            admin.files().unrestrict(mode, a);
            spec.commandLine().getOut().println("lifted the " + mode.label() + " restriction of " + a);
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List restricted addresses: send or receive.")
    static final class RestrictList implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "send|receive", converter = RestrictionConverter.class) Restriction mode;
        @Option(names = "--json", description = "Print a JSON array.") boolean json;

        @Override
        public Integer call() throws Exception {
            List<String> restricted = admin.files().restricted(mode);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.strings(restricted));
            } else {
                restricted.forEach(out::println);
            }
            return ExitCodes.OK;
        }
    }
}
