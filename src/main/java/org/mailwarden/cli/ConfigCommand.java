package org.mailwarden.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.config.SettingsDoc;
import org.mailwarden.config.audit.AuditReport;
import org.mailwarden.config.audit.ConfigAudit;
import org.mailwarden.config.audit.Finding;
import org.mailwarden.config.audit.Severity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code config check} (the audit) and {@code config defaults} (the documented sample config). */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check the configuration, print its defaults.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Defaults.class})
final class ConfigCommand implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check or defaults");
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = {"Audit the configuration: each finding "
            + "with its severity (critical, warning, info), a stable id, the problem and the fix.",
            "Exit code 0 when there is no critical finding, 1 otherwise, 78 when the configuration cannot be loaded.",
            "serve runs the same audit at start and refuses a critical finding unless --force."})
    static final class Check implements Callable<Integer> {
        @Mixin AdminOptions admin;
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--mail-dir", description = "Maildir root. Default: <data-dir>/mail") Path mailDir;
        @Option(names = "--json", description = "Print a JSON object.") boolean json;

        @Override
        public Integer call() {
            ServerConfig config = ServerConfig.load(admin.dataDir, admin.configDir(), mailDir,
                    ServerConfig.Ports.standard("root".equals(System.getProperty("user.name"))), System.getenv());
            AuditReport report = ConfigAudit.run(config);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(json(report));
            } else {
                print(report, out);
            }
            return report.hasCritical() ? ExitCodes.FAILED : ExitCodes.OK;
        }

        static void print(AuditReport report, PrintWriter out) {
            for (Finding f : report.findings()) {
                out.printf("%-8s %s%n", f.severity().label().toUpperCase(java.util.Locale.ROOT), f.id());
                out.println("         " + f.message());
                if (!f.fix().isEmpty()) {
                    out.println("         fix: " + f.fix());
                }
            }
            out.println((report.findings().isEmpty() ? "no findings: " : "") + report.summary());
        }

        static String json(AuditReport report) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("ok", Boolean.toString(!report.hasCritical()));
            for (Severity s : Severity.values()) {
                m.put(s.label(), Long.toString(report.count(s)));
            }
            m.put("findings", "[" + String.join(",", report.findings().stream().map(f -> {
                Map<String, String> o = new LinkedHashMap<>();
                o.put("severity", Json.string(f.severity().label()));
                o.put("id", Json.string(f.id()));
                o.put("message", Json.string(f.message()));
                o.put("fix", Json.string(f.fix()));
                return Json.object(o);
            }).toList()) + "]");
            return Json.object(m);
        }
    }

    @Command(name = "defaults", mixinStandardHelpOptions = true, description = {"Print a sample mailwarden.conf "
            + "with every setting, its default, its environment variable and what it is for.",
            "docs/configuration.md is this output; a test keeps them equal."})
    static final class Defaults implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = "--markdown", description = "Print the settings as a Markdown table instead.") boolean markdown;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(markdown ? SettingsDoc.markdownTable() : SettingsDoc.sampleConfig());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
