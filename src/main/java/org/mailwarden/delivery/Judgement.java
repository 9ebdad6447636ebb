package org.mailwarden.delivery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailwarden.mail.HeaderFilter;

/**
 * What one step says about a message: a verdict for each recipient it has an opinion on (the others keep the verdict
 * they had, at first {@link Verdict#INBOX}), header fields to add to every delivered copy, and which of the message's
 * own fields to leave out of them. A value: a step never writes files.
 */
public record Judgement(Map<Recipient, Verdict> verdicts, List<HeaderField> fields, HeaderFilter drop) {

    /** No opinion, nothing to add. */
    public static final Judgement NONE = new Judgement(Map.of(), List.of());

    public Judgement {
        verdicts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(verdicts));
        fields = List.copyOf(fields);
        java.util.Objects.requireNonNull(drop, "drop");
    }

    /** Verdicts and fields to add, no field of the message left out. */
    public Judgement(Map<Recipient, Verdict> verdicts, List<HeaderField> fields) {
        this(verdicts, fields, HeaderFilter.NONE);
    }

    public static Judgement of(Recipient recipient, Verdict verdict) {
        return NONE.with(recipient, verdict);
    }

    /** The same verdict for every recipient of the envelope: the message as a whole is refused, say. */
    public static Judgement all(Envelope envelope, Verdict verdict) {
        Map<Recipient, Verdict> m = new LinkedHashMap<>();
        for (Recipient r : envelope.recipients()) {
            m.put(r, verdict);
        }
        return new Judgement(m, List.of());
    }

    public Judgement with(Recipient recipient, Verdict verdict) {
        Map<Recipient, Verdict> m = new LinkedHashMap<>(verdicts);
        m.put(recipient, verdict);
        return new Judgement(m, fields, drop);
    }

    public Judgement adding(HeaderField field) {
        List<HeaderField> f = new ArrayList<>(fields);
        f.add(field);
        return new Judgement(verdicts, f, drop);
    }

    /**
     * Leaves the message's own header fields that this filter drops out of every delivered copy (a forged
     * Authentication-Results field, say); the fields steps add are never filtered.
     */
    public Judgement dropping(HeaderFilter filter) {
        HeaderFilter before = drop;
        return new Judgement(verdicts, fields, before == HeaderFilter.NONE ? filter
                : (name, value) -> before.drop(name, value) || filter.drop(name, value));
    }
}
