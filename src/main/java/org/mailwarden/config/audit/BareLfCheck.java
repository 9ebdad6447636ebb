package org.mailwarden.config.audit;

import java.util.List;
import org.mailwarden.config.Settings;

/** {@code smtp.bare-lf = normalize}: safe (only CRLF.CRLF ends DATA) but more lenient than the default. */
final class BareLfCheck implements ConfigCheck {

    @Override
    public String name() {
        return "bare-lf";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        if (context.config().smtp().bareLf() != Settings.BareLf.NORMALIZE) {
            return List.of();
        }
        return List.of(Finding.info("smtp.bare-lf-normalize", "smtp.bare-lf = normalize: message data with bare LF "
                + "line endings is accepted and rewritten to CRLF (SMTP smuggling is still impossible: only "
                + "CRLF.CRLF ends DATA)", "set smtp.bare-lf = reject to refuse such messages with 554 5.6.0, "
                + "as RFC 5321 allows"));
    }
}
