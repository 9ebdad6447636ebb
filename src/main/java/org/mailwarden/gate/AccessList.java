package org.mailwarden.gate;

import java.net.InetAddress;
import java.util.List;
import org.mailwarden.config.Cidr;

/**
 * Allow and deny lists of CIDR networks. Deny wins; a non-empty allow list admits only its networks.
 * The gate combines the global lists and the listener's own: both must admit.
 */
public record AccessList(List<Cidr> allow, List<Cidr> deny) {

    public static final AccessList EMPTY = new AccessList(List.of(), List.of());

    public AccessList {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** Null when {@code ip} may pass, else the reason it may not ("deny-list", "not-in-allow-list"). */
    public String refusal(InetAddress ip) {
        if (Networks.contains(deny, ip)) {
            return "deny-list";
        }
        if (!allow.isEmpty() && !Networks.contains(allow, ip)) {
            return "not-in-allow-list";
        }
        return null;
    }
}
