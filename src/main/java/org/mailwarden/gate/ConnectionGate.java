package org.mailwarden.gate;

import java.net.InetAddress;
import org.mailwarden.config.ListenerConfig;

/**
 * The one question every listener asks before any protocol code runs: may this client connect here?
 * Access lists, bans and rate limits (the security gate) implement this; protocols never decide it themselves.
 */
public interface ConnectionGate {

    sealed interface Decision {
        record Admit() implements Decision {}

        record Refuse(String reason) implements Decision {}
    }

    Decision admit(InetAddress client, ListenerConfig listener);

    /** Called when a connection the gate admitted has closed. */
    default void closed(InetAddress client, ListenerConfig listener) {}

    /** Admits everyone: the gate before access lists and bans are configured. */
    ConnectionGate OPEN = (client, listener) -> new Decision.Admit();
}
