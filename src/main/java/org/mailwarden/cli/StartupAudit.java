package org.mailwarden.cli;

import org.mailwarden.config.ServerConfig;
import org.mailwarden.config.audit.AuditReport;
import org.mailwarden.config.audit.ConfigAudit;
import org.mailwarden.config.audit.Finding;
import org.mailwarden.config.audit.Severity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** serve's part of {@code config check}: log the findings, refuse to start on a critical one unless overridden. */
final class StartupAudit {

    static final String ALLOW_UNSAFE_ENV = "MAILWARDEN_ALLOW_UNSAFE";
    private static final Logger LOG = LoggerFactory.getLogger(StartupAudit.class);

    private StartupAudit() {}

    /** True when the server may start: no critical finding, or {@code force}. */
    static boolean allowsStart(ServerConfig config, boolean force) {
        AuditReport report = ConfigAudit.run(config);
        for (Finding f : report.findings()) {
            String line = "event=config-finding severity={} id={} message=\"{}\" fix=\"{}\"";
            Object[] args = {f.severity().label(), f.id(), quote(f.message()), quote(f.fix())};
            switch (f.severity()) {
                case CRITICAL, WARNING -> LOG.warn(line, args);
                case INFO -> LOG.info(line, args);
            }
        }
        if (!report.hasCritical()) {
            return true;
        }
        if (force) {
            LOG.warn("event=config-unsafe-start critical={} reason=\"--force or {}=1\"",
                    report.count(Severity.CRITICAL), ALLOW_UNSAFE_ENV);
            return true;
        }
        System.err.println("mailwarden: refusing to start: the configuration has " + report.count(Severity.CRITICAL)
                + " critical problem(s):");
        for (Finding f : report.atLeast(Severity.CRITICAL)) {
            System.err.println("  " + f.id() + ": " + f.message());
            System.err.println("    fix: " + f.fix());
        }
        System.err.println("Run 'mailwarden config check' for the full report; start anyway with --force or "
                + ALLOW_UNSAFE_ENV + "=1.");
        return false;
    }

    static boolean forcedByEnv() {
        return "1".equals(System.getenv(ALLOW_UNSAFE_ENV));
    }

    private static String quote(String s) {
        return s.replace('"', '\'').replace('\n', ' ').replace('\r', ' ');
    }
}
