package org.mailwarden.gate;

import java.net.InetSocketAddress;

/**
 * A parsed PROXY protocol header (HAProxy, version 1 or 2). {@code source} is the real client, or null when the
 * header says to use the connection's own addresses (v2 LOCAL, v1 UNKNOWN, v2 AF_UNSPEC / AF_UNIX).
 */
public record ProxyHeader(int version, InetSocketAddress source, InetSocketAddress destination) {

    public boolean hasClient() {
        return source != null;
    }
}
