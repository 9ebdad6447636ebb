package org.mailwarden.mailauth.arc;

import java.util.List;

/**
 * The validation of a message's ARC chain (RFC 8617 5.2): the chain's status, the number of ARC sets, the sealing
 * domains ({@code d=} of each ARC-Seal) from instance 1 up, and why it failed (null unless FAIL). A DMARC fail may be
 * overridden when the chain passes and its newest sealer is one the operator trusts.
 */
public record ArcOutcome(ArcResult result, int instances, List<String> sealers, String reason) {
    public ArcOutcome {
        sealers = List.copyOf(sealers);
    }

    public static final ArcOutcome NONE = new ArcOutcome(ArcResult.NONE, 0, List.of(), null);
}
