package org.mailwarden.mailauth.iprev;

import java.net.InetAddress;

/**
 * One iprev evaluation: the result, the client address, the confirmed host name (pass only, without the final dot,
 * else null) and, for anything but pass, what was found (for the log and the Authentication-Results comment).
 */
public record IprevOutcome(IprevResult result, InetAddress ip, String name, String problem) {

    /** The Authentication-Results method, e.g. {@code iprev=pass policy.iprev=192.0.2.1 (mx.example.com)}. */
    public String authResults() {
        String comment = name != null ? " (" + name + ")" : problem != null ? " (" + problem + ")" : "";
        return "iprev=" + result.keyword() + " policy.iprev=" + ip.getHostAddress() + comment;
    }
}
