package org.mailwarden.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Start-up check of relay.trusted-networks. Trusting a network lets every host in it relay mail through the
 * server without a password, so a mistake here makes an open relay. docker-mailserver's PERMIT_DOCKER=host
 * did exactly that: with host networking, the host's whole public /16 became trusted.
 */
public final class TrustedNetworks {

    private TrustedNetworks() {}

    /**
     * Refuses (ConfigException) 0.0.0.0/0 and ::/0, any public network larger than one address, and anything wider
     * than /16 (IPv4) or /48 (IPv6), unless {@code override}; returns warnings for private networks wider than /24
     * (IPv4) or /64 (IPv6), for single public hosts, and for everything an override let through.
     */
    public static List<String> validate(List<Cidr> networks, boolean override) {
        return validate(networks, override, "relay.trusted-networks");
    }

    /** As above; {@code source} names where the networks came from (a setting, or PERMIT_DOCKER=host). */
    public static List<String> validate(List<Cidr> networks, boolean override, String source) {
        List<String> warnings = new ArrayList<>();
        for (Cidr c : networks) {
            String problem = refusal(c);
            if (problem != null) {
                if (!override) {
                    throw new ConfigException(source + ": refusing " + c + ": " + problem
                            + ". Every host in it could relay mail through this server (an open relay). Fix: list "
                            + "only the networks of your own clients (e.g. 192.168.1.0/24), let users authenticate on "
                            + "port 587/465 instead, or, if you really mean it, set relay.allow-wide-trusted-networks = 1");
                }
                warnings.add(source + ": " + c + " is trusted although " + problem
                        + " (relay.allow-wide-trusted-networks = 1)");
                continue;
            }
            int maxV4 = 24;
            int maxV6 = 64;
            if (c.isPrivate() && (c.isIpv4() ? c.prefix() < maxV4 : c.prefix() < maxV6)) {
                warnings.add(source + ": " + c + " is a wide private network; every host in it may relay "
                        + "without authentication. Narrow it to the hosts that need it (e.g. the one container)");
            } else if (!c.isPrivate()) {
                warnings.add(source + ": " + c + " is a public address; it may relay without "
                        + "authentication");
            }
        }
        return warnings;
    }

    private static String refusal(Cidr c) {
        if (c.prefix() == 0) {
            return "it is the whole Internet";
        }
        if (c.isIpv4() ? c.prefix() < 16 : c.prefix() < 48) {
            return "it is wider than /" + (c.isIpv4() ? 16 : 48);
        }
        if (!c.isPrivate() && c.hostBits() > 0) {
            return "it is a public network, not your own clients";
        }
        return null;
    }
}
