package org.mailwarden.mailauth.arc;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.mailwarden.delivery.HeaderField;
import org.mailwarden.mailauth.dkim.BodyHash;
import org.mailwarden.mailauth.dkim.Canonicalization;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.mailauth.dkim.DkimSignature;
import org.mailwarden.mailauth.dkim.DkimSigner;
import org.mailwarden.mailauth.dkim.RawHeader;
import org.mailwarden.mailauth.dkim.TagList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds Mailwarden's ARC set to a message it forwards (RFC 8617 5.1): validates the chain the message has (one pass
 * over the message, which streams: the body is hashed for the newest AMS and for ours at once), then makes instance
 * N+1: ARC-Authentication-Results (our Authentication-Results), ARC-Message-Signature (relaxed/relaxed, over the
 * fields DkimSigner signs plus DKIM-Signature) and ARC-Seal with cv= the chain's status. A failed chain's seal covers
 * only the new set (as dkimpy does); a chain whose newest seal already says cv=fail, or that has 50 sets, is not
 * sealed again. Seal with an RSA key: RFC 8617 names rsa-sha256 only, and dkimpy (as others) rejects an ed25519-sha256
 * ARC set, though ArcVerifier accepts one.
 */
public final class ArcSealer {

    private static final Logger LOG = LoggerFactory.getLogger(ArcSealer.class);

    /** Fields the AMS signs when present (From oversigned, as DkimSigner does). */
    public static final List<String> SIGNED = concat(DkimSigner.HEADERS, List.of("dkim-signature"));

    /** The new set, or why there is none; with the validation of the chain the message came with. */
    public sealed interface Seal {
        /** The fields to prepend, top to bottom: ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results. */
        record Sealed(ArcOutcome chain, List<HeaderField> fields) implements Seal {}
        record NotSealed(ArcOutcome chain, String reason) implements Seal {}
    }

    private final ArcVerifier verifier;

    /** @param verifier validates the existing chain (its key lookup and clock are used) */
    public ArcSealer(ArcVerifier verifier) {
        this.verifier = verifier;
    }

    /**
     * @param authservId our authserv-id (RFC 8601 2.5)
     * @param authResults the results we computed, as in our Authentication-Results field: either the whole value
     *     ("authserv-id; spf=pass ...; dkim=pass ...") or the part after the authserv-id; empty means none
     * @param key the forwarding domain's DKIM key (its domain and selector become d= and s=)
     */
    public Seal seal(InputStream message, String authservId, String authResults, DkimKey key, Instant now)
            throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 16384);
        RawHeader header = RawHeader.read(in);
        if (!header.complete()) {
            return new Seal.NotSealed(ArcOutcome.NONE, "header section exceeds " + RawHeader.MAX_OCTETS
                    + " octets or " + RawHeader.MAX_FIELDS + " fields");
        }
        ArcVerifier.Prepared prepared = verifier.prepare(header);
        BodyHash ours = new BodyHash(Canonicalization.RELAXED, -1);
        List<BodyHash> bodies = new ArrayList<>(List.of(ours));
        if (prepared instanceof ArcVerifier.Prepared.Pending p) {
            bodies.add(p.body());
        }
        BodyHash.feed(in, bodies);
        ArcOutcome chain = verifier.complete(prepared, header);
        int max = switch (prepared) {
            case ArcVerifier.Prepared.Done d -> d.maxInstance();
            case ArcVerifier.Prepared.Pending p -> p.sets().size();
        };
        String topCv = switch (prepared) {
            case ArcVerifier.Prepared.Done d -> d.topCv();
            case ArcVerifier.Prepared.Pending p -> p.sets().getLast().sealTags().get("cv");
        };
        if ("fail".equals(topCv)) {
            return notSealed(chain, "the chain already failed at instance " + max + " (cv=fail)");
        }
        int instance = max + 1;
        if (instance > DkimSignature.MAX_INSTANCE) {
            return notSealed(chain, "the chain has " + max + " ARC sets already, the most there may be");
        }
        String cv = chain.result().keyword();
        String results = results(authservId, authResults);
        String aarValue = "i=" + instance + "; " + authservId + "; " + results;
        String aar = "ARC-Authentication-Results: " + aarValue;
        String amsField = DkimSigner.signatureField("ARC-Message-Signature", "i=" + instance, header, SIGNED, key,
                now, ours.finish());
        String ams = amsField.substring(0, amsField.length() - 2);
        String unsignedSeal = "ARC-Seal: i=" + instance + "; a=" + key.algorithm() + "; cv=" + cv + "; d="
                + key.domain() + "; s=" + key.selector() + ";\r\n\tt=" + now.getEpochSecond() + "; b=";
        List<ArcVerifier.ArcSet> sets = new ArrayList<>();
        if (chain.result() != ArcResult.FAIL && prepared instanceof ArcVerifier.Prepared.Pending p) {
            sets.addAll(p.sets());
        }
        TagList sealTags;
        try {
            sealTags = TagList.parse(RawHeader.value(unsignedSeal));
        } catch (TagList.Malformed e) {
            throw new IllegalStateException(e);
        }
        sets.add(new ArcVerifier.ArcSet(instance, aar, ams, unsignedSeal, sealTags));
        byte[] b = DkimSigner.signingAlgorithm(key).sign(key.privateKey(), ArcVerifier.sealHashInput(sets));
        String seal = unsignedSeal + DkimSigner.fold(Base64.getEncoder().encodeToString(b));
        List<HeaderField> fields;
        try {
            fields = List.of(field(seal), field(ams), field(aar));
        } catch (IllegalArgumentException e) { // a line break in the authserv-id or results we were given
            return notSealed(chain, "cannot make ARC-Authentication-Results: " + e.getMessage());
        }
        LOG.info("event=arc-seal instance={} cv={} d={} s={}", instance, cv, key.domain(), key.selector());
        return new Seal.Sealed(chain, fields);
    }

    private static Seal notSealed(ArcOutcome chain, String reason) {
        LOG.info("event=arc-seal result=not-sealed reason=\"{}\"", reason);
        return new Seal.NotSealed(chain, reason);
    }

    private static String results(String authservId, String authResults) {
        String r = authResults == null ? "" : authResults.strip();
        if (r.startsWith(authservId)) {
            String rest = r.substring(authservId.length()).stripLeading();
            if (rest.startsWith(";")) {
                r = rest.substring(1).strip();
            } else if (rest.isEmpty()) {
                r = "";
            }
        }
        return r.isEmpty() ? "none" : r;
    }

    private static HeaderField field(String f) {
        int colon = f.indexOf(':');
        return new HeaderField(f.substring(0, colon), f.substring(colon + 2));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
