package org.mailwarden.gate;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.mailwarden.config.Cidr;

/** Every open connection on every listener, so a ban can close an IP's connections wherever they are. */
public final class ConnectionRegistry {

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    public void add(Connection c) {
        open.add(c);
    }

    public void remove(Connection c) {
        open.remove(c);
    }

    public int size() {
        return open.size();
    }

    /** Closes the connections whose real client IP is in {@code net}; returns how many. */
    public int closeAll(Cidr net) {
        List<Connection> hit = open.stream().filter(c -> net.contains(c.clientIp())).toList();
        for (Connection c : hit) {
            c.abort();
        }
        return hit.size();
    }

    public List<Connection> connections() {
        return List.copyOf(open);
    }
}
