package org.mailwarden.config.audit;

import java.util.List;

/**
 * Where passwords can be sent. Mailwarden never accepts AUTH before TLS; what remains worth saying is AUTH on
 * port 25, which invites password guessing from every bot that connects to the MX.
 */
final class AuthCheck implements ConfigCheck {

    @Override
    public String name() {
        return "auth";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        if (!context.config().submission().authOnPort25()) {
            return List.of();
        }
        return List.of(Finding.warning("auth.port-25", "smtp.auth-on-port-25 = 1: AUTH is offered (after STARTTLS) on "
                + "the MX port, which every spam bot reaches", "set smtp.auth-on-port-25 = 0 and let clients submit "
                + "on 587 (STARTTLS) or 465 (TLS)"));
    }
}
