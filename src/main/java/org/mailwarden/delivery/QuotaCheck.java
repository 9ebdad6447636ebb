package org.mailwarden.delivery;

import java.util.Optional;
import org.mailwarden.smtp.Reply;
import org.mailwarden.store.QuotaService;

/**
 * Storage quotas ({@code dovecot-quotas.cf}): a mailbox at or over its limit takes no mail for now, {@code 452 4.2.2
 * Mailbox full} (temporary, as Postfix with Dovecot's quota policy answers): the SMTP client retries, the queue
 * retries with its backoff until {@code queue.max-age}, then bounces.
 */
public final class QuotaCheck implements EnvelopeStep {

    static final Reply MAILBOX_FULL = new Reply(452, "4.2.2", "Mailbox full");

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
        return quotas.isFull(r.account()) ? Optional.of(new Verdict.Defer(MAILBOX_FULL)) : Optional.empty();
    }
}
