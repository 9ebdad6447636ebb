package org.mailwarden.config.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.config.ServerConfig;

/**
 * {@code mailwarden config check}, and the same audit {@code serve} runs before it starts: every check in
 * {@link #CHECKS}, independently.
 */
public final class ConfigAudit {

    /** Every check, in report order. Add new checks here (one class each). */
    public static final List<ConfigCheck> CHECKS = List.of(
            new PasswordHashCheck(),
            new ConfigFileProblemsCheck(),
            new TlsCertificateCheck(),
            new BareLfCheck(),
            new RelayCheck(),
            new AuthCheck(),
            new GateCheck(),
            new DkimKeyCheck(),
            new RunUserCheck(),
            new KernelBanCheck());

    private ConfigAudit() {}

    public static AuditReport run(ServerConfig config) {
        return run(AuditContext.of(config, Instant.now()), CHECKS);
    }

    public static AuditReport run(AuditContext context, List<ConfigCheck> checks) {
        List<Finding> findings = new ArrayList<>();
        for (ConfigCheck check : checks) {
            try {
                findings.addAll(check.run(context));
            } catch (RuntimeException e) {
                findings.add(Finding.warning("audit.check-failed", "the " + check.name() + " check could not run: "
                        + e.getMessage(), "fix what the message names and run 'mailwarden config check' again"));
            }
        }
        return new AuditReport(findings);
    }
}
