package org.mailwarden.delivery;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mailwarden.smtp.Reply;
import org.mailwarden.store.QuotaService;

/**
 * Storage quotas ({@code dovecot-quotas.cf}), as docker-mailserver's Postfix asks Dovecot's quota-status service: a
 * message that would take a mailbox over its limit is refused, {@code 552 5.2.2 Mailbox is full} (its
 * quota_status_overquota; permanent, as Dovecot's LMTP without quota_full_tempfail): the SMTP client bounces it, the
 * queue bounces it to the sender. At RCPT the size is not known yet, so a mailbox at or over its limit is refused
 * there; once the message is in, the test is usage + the message's size over the limit. A mailbox whose usage cannot
 * be read takes the mail (logged by the quota service).
 */
public final class QuotaCheck implements EnvelopeStep {

    static final Reply MAILBOX_FULL = new Reply(552, "5.2.2", "Mailbox is full");

    private final QuotaService quotas;

    public QuotaCheck(QuotaService quotas) {
        this.quotas = quotas;
    }

    @Override
    public String name() {
        return "quota";
    }

    @Override
    public Optional<Verdict> judge(Origin origin, String sender, Recipient r) {
        return quotas.isFull(r.account()) ? Optional.of(new Verdict.Refuse(MAILBOX_FULL)) : Optional.empty();
    }

    /** After DATA: refused when this message would go over the limit. */
    @Override
    public Judgement judge(MessageView message, Envelope envelope) {
        Map<Recipient, Verdict> m = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            boolean fits;
            try {
                fits = quotas.allows(r.account(), message.size());
            } catch (IOException | RuntimeException e) {
                fits = !quotas.isFull(r.account()); // logs, and takes the mail when usage cannot be read
            }
            if (!fits) {
                m.put(r, new Verdict.Refuse(MAILBOX_FULL));
            }
        }
        return new Judgement(m, List.of());
    }
}
