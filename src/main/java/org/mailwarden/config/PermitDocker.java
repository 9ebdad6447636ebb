package org.mailwarden.config;

import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * docker-mailserver's PERMIT_DOCKER, mapped to trusted networks and then put through the same start-up check
 * as relay.trusted-networks. Its "host" value is the open-relay trap: with host networking, the host's public
 * /16 became trusted. Here that network is refused at start with the reason.
 */
public final class PermitDocker {

    private PermitDocker() {}

    /** One address of this machine with the prefix length of its network. */
    public record InterfaceNetwork(byte[] address, int prefix) {}

    /** The networks PERMIT_DOCKER=value stands for, given this machine's interface addresses. */
    public static List<Cidr> networks(String value, List<InterfaceNetwork> interfaces) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Set<Cidr> out = new LinkedHashSet<>();
        switch (v) {
            case "", "none" -> { }
            case "container" -> interfaces.forEach(i -> out.add(new Cidr(i.address(), i.address().length * 8)));
            case "host" -> interfaces.stream().filter(i -> i.address().length == 4)
                    .forEach(i -> out.add(new Cidr(i.address(), 16)));
            case "connected-networks" -> interfaces.stream().filter(i -> i.address().length == 4)
                    .forEach(i -> out.add(new Cidr(i.address(), i.prefix())));
            case "network" -> out.add(Cidr.parse("172.16.0.0/12"));
            default -> throw new ConfigException("PERMIT_DOCKER=" + value + " is not a known value: use none, "
                    + "container, connected-networks, network or host (or list networks in relay.trusted-networks)");
        }
        return new ArrayList<>(out);
    }

    /** This machine's non-loopback interface addresses. */
    public static List<InterfaceNetwork> localInterfaces() {
        List<InterfaceNetwork> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                if (!ni.isUp() || ni.isLoopback()) {
                    continue;
                }
                for (InterfaceAddress a : ni.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet4Address || !a.getAddress().isLinkLocalAddress()) {
                        out.add(new InterfaceNetwork(a.getAddress().getAddress(), a.getNetworkPrefixLength()));
                    }
                }
            }
        } catch (SocketException e) {
            throw new ConfigException("PERMIT_DOCKER: cannot list network interfaces: " + e.getMessage());
        }
        return out;
    }
}
