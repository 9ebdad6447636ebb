package org.mailwarden.config.audit;

import java.util.ArrayList;
import java.util.List;
import org.mailwarden.config.Cidr;

/**
 * Open-relay risk and sender protection: trusted networks that start only thanks to an override or with a
 * warning, and spoof protection turned off.
 */
final class RelayCheck implements ConfigCheck {

    @Override
    public String name() {
        return "relay";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        List<Finding> out = new ArrayList<>();
        var submission = context.config().submission();
        for (String warning : submission.warnings()) {
            boolean overridden = warning.contains("relay.allow-wide-trusted-networks = 1");
            String fix = "list only your own clients' addresses in relay.trusted-networks (a /24 or a single host) "
                    + "and let everyone else authenticate on port 587 or 465";
            out.add(overridden
                    ? Finding.critical("relay.trusted-networks-wide", warning + ": an open-relay risk", fix)
                    : Finding.warning("relay.trusted-networks-broad", warning, fix));
        }
        for (Cidr c : submission.trustedNetworks()) {
            if (c.prefix() == 0) {
                out.add(Finding.critical("relay.open", "relay.trusted-networks contains " + c
                        + ": this server is an open relay", "remove " + c + " from relay.trusted-networks"));
            }
        }
        if (!submission.spoofProtection()) {
            out.add(Finding.warning("submission.spoof-protection-off", "spoof-protection is off (SPOOF_PROTECTION=0): "
                    + "any authenticated user may send as any address, including other users'",
                    "set spoof-protection = 1; users can still send as their aliases, and "
                            + "postfix-sender-login-maps.cf grants anything else"));
        }
        return out;
    }
}
