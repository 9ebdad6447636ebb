package org.mailwarden.mailauth.dmarc;

import java.util.Locale;
import org.mailwarden.mailauth.dmarc.DmarcRecord.Disposition;

/**
 * DMARC's word on one message (RFC 7489 6.6): the result, the From domain it is about, the domain whose record
 * applied ({@code null} without one) and that record, which authenticated identifiers were aligned, the policy the
 * domain asked for, the one applied after {@code pct} sampling and local policy, and why they differ.
 *
 * @param result      pass, fail, none (no usable record), temperror (a DNS failure decided it), permerror (no
 *                    usable From domain)
 * @param requested   {@code p} (or {@code sp} for a subdomain); NONE without a record
 * @param applied     what is done: NONE (deliver), QUARANTINE (Junk), REJECT (550 5.7.1)
 * @param override    why {@code applied} is weaker than {@code requested} on a failure (null: it is not)
 * @param problem     what went wrong, for temperror/permerror and the log (null otherwise)
 */
public record DmarcOutcome(Result result, String fromDomain, String policyDomain, DmarcRecord record,
        boolean spfAligned, boolean dkimAligned, Disposition requested, Disposition applied, Override override,
        String problem) {

    public enum Result {
        NONE, PASS, FAIL, TEMPERROR, PERMERROR;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The policy override reasons of aggregate reports (RFC 7489 Appendix C, PolicyOverrideType). */
    public enum Override {
        SAMPLED_OUT, TRUSTED_FORWARDER, LOCAL_POLICY;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static DmarcOutcome none(String fromDomain, String problem) {
        return new DmarcOutcome(Result.NONE, fromDomain, null, null, false, false, Disposition.NONE, Disposition.NONE,
                null, problem);
    }

    /** How strict the outcome's consequence is, to pick one when a From field names several domains. */
    int severity() {
        return applied.ordinal() * 10 + switch (result) {
            case PASS -> 0;
            case NONE -> 1;
            case FAIL -> 3;
            case TEMPERROR -> 4;
            case PERMERROR -> 2;
        };
    }
}
