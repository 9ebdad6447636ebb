package org.mailwarden.mailauth.dkim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mailwarden.mailauth.TxtLookup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the DKIM-Signature fields of a message (RFC 6376 6; RFC 8301; RFC 8463), streaming: the header section is
 * read bounded ({@link RawHeader}), the body is hashed as it passes, never held. At most
 * {@link Limits#maxSignatures} signatures are verified (their keys fetched at the same time, within
 * {@link Limits#keyLookupBudget} in all); the others are reported neutral without any DNS query.
 */
public final class DkimVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(DkimVerifier.class);

    /** The bounds of one verification. */
    public record Limits(int maxSignatures, Duration keyLookupBudget, Duration clockSkew) {
        public static final Limits DEFAULT = new Limits(10, Duration.ofSeconds(10), Duration.ofMinutes(5));
    }

    private final TxtLookup keys;
    private final Clock clock;
    private final Limits limits;

    public DkimVerifier(TxtLookup keys, Clock clock) {
        this(keys, clock, Limits.DEFAULT);
    }

    public DkimVerifier(TxtLookup keys, Clock clock, Limits limits) {
        this.keys = keys;
        this.clock = clock;
        this.limits = limits;
    }

    /**
     * One outcome per DKIM-Signature field, top to bottom; empty when there is none (dkim=none). Only a failure of
     * the stream itself throws.
     */
    public List<DkimOutcome> verify(InputStream message) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 16384);
        RawHeader header = RawHeader.read(in);
        List<String> fields = header.fields().stream().filter(f -> RawHeader.name(f).equals("dkim-signature"))
                .toList();
        if (fields.isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        List<DkimOutcome> out = new ArrayList<>(fields.size());
        if (!header.complete()) {
            for (String f : fields) {
                out.add(bad(f, new DkimSignature.Parsed.Bad(DkimResult.PERMERROR, "header section exceeds "
                        + RawHeader.MAX_OCTETS + " octets or " + RawHeader.MAX_FIELDS + " fields", null), now));
            }
            log(out);
            return out;
        }
        KeyFetcher fetcher = new KeyFetcher(keys, limits.keyLookupBudget());
        List<DkimSignature.Parsed> parsed = new ArrayList<>(fields.size());
        Map<String, BodyHash> bodies = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            if (i >= limits.maxSignatures()) {
                parsed.add(new DkimSignature.Parsed.Bad(DkimResult.NEUTRAL, "too many signatures: only the first "
                        + limits.maxSignatures() + " of " + fields.size() + " are verified", null));
                continue;
            }
            DkimSignature.Parsed p = DkimSignature.parse(fields.get(i), DkimSignature.Kind.DKIM, now,
                    limits.clockSkew());
            if (p instanceof DkimSignature.Parsed.Ok(DkimSignature s)) {
                fetcher.start(s.selector(), s.domain());
                bodies.computeIfAbsent(s.bodyCanon() + "/" + s.length(), k -> s.newBodyHash());
            }
            parsed.add(p);
        }
        if (!bodies.isEmpty()) {
            BodyHash.feed(in, bodies.values());
        }
        Map<String, List<Integer>> index = header.index();
        for (int i = 0; i < fields.size(); i++) {
            DkimSignature.Parsed p = parsed.get(i);
            String f = fields.get(i);
            try {
                out.add(switch (p) {
                    case DkimSignature.Parsed.Ok(DkimSignature s) -> check(s, header, index, fetcher,
                            bodies.get(s.bodyCanon() + "/" + s.length()));
                    case DkimSignature.Parsed.Bad b -> bad(f, b, now);
                });
            } catch (RuntimeException e) {
                out.add(new DkimOutcome(DkimResult.PERMERROR, null, null, null, null, null, false,
                        "cannot verify: " + e));
            }
        }
        log(out);
        return out;
    }

    private static DkimOutcome check(DkimSignature s, RawHeader header, Map<String, List<Integer>> index,
            KeyFetcher fetcher, BodyHash body) {
        KeyRecord key;
        switch (fetcher.get(s.selector(), s.domain())) {
            case KeyFetcher.Fetched.Key k -> key = k.key();
            case KeyFetcher.Fetched.Failed f -> {
                return outcome(s, f.result(), false, f.reason());
            }
        }
        String unfit = key.unfitFor(s.algorithm());
        if (unfit != null) {
            return outcome(s, DkimResult.PERMERROR, false, unfit);
        }
        if (key.strict() && !s.identity().substring(s.identity().lastIndexOf('@') + 1).toLowerCase(Locale.ROOT)
                .equals(s.domain())) {
            return outcome(s, DkimResult.PERMERROR, false, "key has t=s: the i= domain must equal d=");
        }
        String testing = key.testing() ? " (key in testing mode, t=y)" : "";
        if (body.limitBeyondBody()) {
            return outcome(s, DkimResult.FAIL, false, "l=" + s.length() + " is longer than the body ("
                    + body.canonicalLength() + " octets)" + testing);
        }
        boolean partly = body.partlyCovered();
        if (!java.security.MessageDigest.isEqual(body.finish(), s.bodyHash())) {
            return outcome(s, DkimResult.FAIL, partly, "body hash did not verify" + testing);
        }
        if (!s.algorithm().verify(key.key(), s.headerHashInput(header, index), s.signature())) {
            return outcome(s, DkimResult.FAIL, partly, "signature did not verify" + testing);
        }
        return outcome(s, DkimResult.PASS, partly, testing.isEmpty() ? null : testing.strip());
    }

    private static DkimOutcome outcome(DkimSignature s, DkimResult r, boolean partly, String reason) {
        return new DkimOutcome(r, s.domain(), s.selector(), s.identity(), s.algorithm().tag(), s.headerB(), partly,
                reason);
    }

    /** An outcome for a signature that is not verified, naming what its tags name when they parsed. */
    private static DkimOutcome bad(String field, DkimSignature.Parsed.Bad b, Instant now) {
        TagList t = b.tags();
        if (t == null) {
            try {
                t = TagList.parse(RawHeader.value(field));
            } catch (TagList.Malformed e) {
                t = null;
            }
        }
        if (t == null) {
            return new DkimOutcome(b.result(), null, null, null, null, null, false, b.reason());
        }
        String b64 = t.compact("b");
        return new DkimOutcome(b.result(), lower(t.get("d")), lower(t.get("s")), t.get("i"), t.get("a"),
                b64 == null ? null : b64.substring(0, Math.min(8, b64.length())), false, b.reason());
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static void log(List<DkimOutcome> out) {
        if (LOG.isDebugEnabled()) {
            for (DkimOutcome o : out) {
                LOG.debug("event=dkim-verify result={} d={} s={} reason=\"{}\"", o.result().keyword(), o.domain(),
                        o.selector(), o.reason());
            }
        }
    }
}
