package org.mailwarden.gate;

import java.net.InetAddress;
import org.mailwarden.config.ListenerConfig;

/**
 * The one question every listener asks before any protocol code runs: may this client connect here?
 * Access lists, bans and rate limits (the security gate, {@link SecurityGate}) implement this; protocols never
 * decide it themselves. The same gate answers at authentication ({@link #checkLogin}), for every protocol.
 */
public interface ConnectionGate {

    sealed interface Decision {
        record Admit() implements Decision {}

        /** {@code silent}: close without a word (FAIL2BAN_BLOCKTYPE=drop), else the protocol's 421. */
        record Refuse(String reason, boolean silent) implements Decision {
            public Refuse(String reason) {
                this(reason, false);
            }
        }
    }

    /** {@code client} is the real client IP (after a PROXY header, when the listener takes one). */
    Decision admit(InetAddress client, ListenerConfig listener);

    /** Called when a connection the gate admitted has closed. */
    default void closed(InetAddress client, ListenerConfig listener) {}

    /** An admitted connection, before its protocol runs: the gate may close it later (a ban). */
    default void opened(Connection connection) {}

    /** An admitted connection has ended. */
    default void closed(Connection connection) {
        closed(connection.clientIp(), connection.listener());
    }

    /** Whether the listener requires a PROXY protocol header, and from whom. */
    default ProxyPolicy proxy(ListenerConfig listener) {
        return ProxyPolicy.OFF;
    }

    /**
     * May {@code account} log in from {@code ip} on {@code listener}? Every protocol asks this before checking a
     * password (see {@link Connection#checkLogin}), so a refused login is refused on every port alike.
     */
    default LoginDecision checkLogin(InetAddress ip, String account, ListenerConfig listener) {
        return LoginDecision.ALLOW;
    }

    /** Admits everyone: the gate before access lists and bans are configured. */
    ConnectionGate OPEN = (client, listener) -> new Decision.Admit();
}
