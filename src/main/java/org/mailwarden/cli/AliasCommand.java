package org.mailwarden.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mailwarden.directory.AccountFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** docker-mailserver's {@code setup alias ...}: postfix-virtual.cf. */
@Command(name = "alias", mixinStandardHelpOptions = true, description = "Manage aliases (postfix-virtual.cf).",
        subcommands = {AliasCommand.Add.class, AliasCommand.Del.class, AliasCommand.ListAliases.class})
final class AliasCommand implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: add, del or list");
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Deliver mail for ALIAS to TARGET.",
            "ALIAS is user@domain, or @domain for a catch-all; a new target of an existing alias is appended."})
    static final class Add implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ALIAS") String alias;
        @Parameters(index = "1", paramLabel = "TARGET") String target;

        @Override
        public Integer call() throws Exception {
            String key = AccountFiles.aliasKey(alias);
            String t = AccountFiles.address(target);
            admin.files().addAlias(key, t);
            spec.commandLine().getOut().println("alias " + key + " -> " + t);
            return ExitCodes.OK;
        }
    }

    @Command(name = "del", mixinStandardHelpOptions = true,
            description = "Delete an alias, or with TARGET only that target of it.")
    static final class Del implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ALIAS") String alias;
        @Parameters(index = "1", paramLabel = "TARGET", arity = "0..1") String target;

        @Override
        public Integer call() throws Exception {
            String key = AccountFiles.aliasKey(alias);
            admin.files().deleteAlias(key, target);
            spec.commandLine().getOut().println(target == null ? "deleted alias " + key
                    : "removed " + AccountFiles.address(target) + " from alias " + key);
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List aliases and their targets.")
    static final class ListAliases implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--json", description = "Print a JSON object: alias to array of targets.") boolean json;

        @Override
        public Integer call() throws Exception {
            Map<String, List<String>> aliases = admin.files().aliases();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, String> encoded = new LinkedHashMap<>();
                aliases.forEach((k, v) -> encoded.put(k, Json.strings(v)));
                out.println(Json.object(encoded));
            } else {
                aliases.forEach((k, v) -> out.println("* " + k + " " + String.join(",", v)));
            }
            return ExitCodes.OK;
        }
    }
}
