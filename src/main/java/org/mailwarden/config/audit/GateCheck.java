package org.mailwarden.config.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;
import org.mailwarden.config.ListenerConfig;

/**
 * The one-policy promise: PROXY headers only from real proxies, the ban engine on, and no listener left open
 * while its siblings are restricted (docker-mailserver's trap: an allow-list on Postfix but not on Dovecot).
 */
final class GateCheck implements ConfigCheck {

    @Override
    public String name() {
        return "gate";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        GateConfig gate = context.config().gate();
        List<Finding> out = new ArrayList<>();
        for (Cidr c : gate.proxyTrusted()) {
            if (c.prefix() == 0 || !c.isPrivate() && c.hostBits() > 8) {
                out.add(Finding.critical("proxy.trusted-anyone", "proxy.trusted contains " + c + ": anyone in it can "
                        + "send a PROXY header and pose as any client IP, escaping bans and access lists",
                        "list only the addresses of your own proxies (e.g. the Traefik container) in proxy.trusted"));
            }
        }
        if (!gate.ban().enabled()) {
            out.add(Finding.warning("ban.disabled", "the ban engine is off (ban.enabled = 0 / ENABLE_FAIL2BAN=0): "
                    + "password guessing and abuse are never banned", "set ban.enabled = 1 (the default)"));
        }
        if (gate.allow().isEmpty()) {
            Set<String> restricted = new TreeSet<>();
            Set<String> open = new TreeSet<>();
            for (ListenerConfig l : context.config().listeners()) {
                (gate.listenerAllow().getOrDefault(l.name(), List.of()).isEmpty() ? open : restricted).add(l.name());
            }
            if (!restricted.isEmpty() && !open.isEmpty()) {
                out.add(Finding.warning("gate.listener-unrestricted", "listeners " + restricted + " have an allow "
                        + "list but " + open + " do not: a client refused on one port can still reach the others",
                        "use access.allow for a list that holds on every listener, or give "
                                + String.join(", ", open) + " their own listen.<name>.allow"));
            }
        }
        return out;
    }
}
