package org.mailwarden.delivery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailwarden.mail.HeaderFilter;

/**
 * What one step says about a message: a verdict for each recipient it has an opinion on (the others keep the verdict
 * they had, at first {@link Verdict#INBOX}), a verdict for the envelope's forwards as a whole ({@code forwards}: the
 * non-local addresses the message is also queued for; null for no opinion), and header fields to add to every
 * delivered copy, and which of the message's own fields to leave out of them ({@code drop}). A refusal of the whole
 * message ({@link #all}) refuses the forwards too, so mail a step rejects (a DMARC reject, say) is not sent on
 * through an alias either. A value: a step never writes files.
 */
public record Judgement(Map<Recipient, Verdict> verdicts, Verdict forwards, List<HeaderField> fields,
        HeaderFilter drop) {

    /** No opinion, nothing to add. */
    public static final Judgement NONE = new Judgement(Map.of(), null, List.of());

    public Judgement {
        verdicts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(verdicts));
        fields = List.copyOf(fields);
        java.util.Objects.requireNonNull(drop, "drop");
    }

    public Judgement(Map<Recipient, Verdict> verdicts, Verdict forwards, List<HeaderField> fields) {
        this(verdicts, forwards, fields, HeaderFilter.NONE);
    }

    /** Verdicts for local recipients only: no opinion on the forwards. */
    public Judgement(Map<Recipient, Verdict> verdicts, List<HeaderField> fields) {
        this(verdicts, null, fields);
    }

    public static Judgement of(Recipient recipient, Verdict verdict) {
        return NONE.with(recipient, verdict);
    }

    /** The same verdict for the whole message: every recipient of the envelope and its forwards. */
    public static Judgement all(Envelope envelope, Verdict verdict) {
        Map<Recipient, Verdict> m = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            m.put(r, verdict);
        }
        return new Judgement(m, envelope.forwards().isEmpty() ? null : verdict, List.of(), HeaderFilter.NONE);
    }

    public Judgement with(Recipient recipient, Verdict verdict) {
        Map<Recipient, Verdict> m = new LinkedHashMap<>(verdicts);
        m.put(recipient, verdict);
        return new Judgement(m, forwards, fields, drop);
    }

    /** This verdict for the forwards (a deferral or refusal keeps the message from being sent on). */
    public Judgement withForwards(Verdict verdict) {
        return new Judgement(verdicts, verdict, fields, drop);
    }

    public Judgement adding(HeaderField field) {
        List<HeaderField> f = new ArrayList<>(fields);
        f.add(field);
        return new Judgement(verdicts, forwards, f, drop);
    }

    /**
     * Leaves the message's own header fields that this filter drops out of every delivered copy (a forged
     * Authentication-Results field, say); the fields steps add are never filtered.
     */
    public Judgement dropping(HeaderFilter filter) {
        HeaderFilter before = drop;
        return new Judgement(verdicts, forwards, fields, before == HeaderFilter.NONE ? filter
                : (name, value) -> before.drop(name, value) || filter.drop(name, value));
    }
}
