package org.mailwarden.delivery;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A step that needs only the envelope, one recipient at a time: SMTP also asks it at RCPT (the same code, so a
 * refused recipient gets its clean 4xx or 5xx there), and the pipeline asks it again for every path once the message
 * is in.
 */
public interface EnvelopeStep extends DeliveryStep {

    /** The verdict for one recipient; empty for no opinion. */
    Optional<Verdict> judge(Origin origin, String sender, Recipient recipient);

    @Override
    default Judgement judge(MessageView message, Envelope envelope) {
        Map<Recipient, Verdict> m = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            judge(message.origin(), envelope.sender(), r).ifPresent(v -> m.put(r, v));
        }
        return new Judgement(m, java.util.List.of());
    }
}
