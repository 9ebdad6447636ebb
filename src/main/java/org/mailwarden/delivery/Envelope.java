package org.mailwarden.delivery;

import java.util.List;

/**
 * The envelope steps judge: the sender ("" for the null sender), the local recipients still in play (those an
 * earlier step refused or deferred are gone) and the non-local addresses the message is also queued for (forwards
 * through aliases, relayed mail), which steps see and judge as a whole ({@link Judgement#forwards}); empty once a
 * step refused or deferred them.
 */
public record Envelope(String sender, List<Recipient> recipients, List<String> forwards) {
    public Envelope {
        recipients = List.copyOf(recipients);
        forwards = List.copyOf(forwards);
    }
}
