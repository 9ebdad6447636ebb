package org.mailwarden.gate;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.mailwarden.config.Cidr;

/** Whether a listener requires a PROXY protocol header, and from which proxies it is accepted. */
public record ProxyPolicy(boolean required, List<Cidr> trusted, Duration timeout) {

    public static final ProxyPolicy OFF = new ProxyPolicy(false, List.of(), Duration.ofSeconds(5));

    public ProxyPolicy {
        trusted = List.copyOf(trusted);
    }

    public boolean trusts(InetAddress peer) {
        return Networks.contains(trusted, peer);
    }
}
