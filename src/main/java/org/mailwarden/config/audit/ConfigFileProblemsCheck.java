package org.mailwarden.config.audit;

import java.util.List;
import org.mailwarden.directory.ConfigProblem;

/**
 * Lines of postfix-accounts.cf, postfix-virtual.cf and postfix-regexp.cf that the directory skips, as the running
 * server reports them in its log (hash problems are left to {@link PasswordHashCheck}), and aliases that cannot
 * deliver anywhere (a target that is neither an account nor a forward, a loop).
 */
final class ConfigFileProblemsCheck implements ConfigCheck {

    @Override
    public String name() {
        return "config-files";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        return context.directory().problems().stream()
                .filter(p -> !p.message().contains("password hash"))
                .map(ConfigFileProblemsCheck::finding)
                .toList();
    }

    private static Finding finding(ConfigProblem p) {
        String where = p.line() > 0 ? p.file() + " line " + p.line() : p.file();
        if (p.message().contains("cannot be delivered")) {
            return Finding.warning("aliases.undeliverable", where + ": " + p.message(),
                    "point the alias at an existing account (mailwarden email list) or remove it (mailwarden alias del)");
        }
        return Finding.warning("config.malformed-line", where + ": " + p.message(),
                "correct or remove the line (the rest of the file is used; this line is skipped)");
    }
}
