package org.mailwarden.mailauth.arc;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.dkim.BodyHash;
import org.mailwarden.mailauth.dkim.Canonicalization;
import org.mailwarden.mailauth.dkim.DkimSignature;
import org.mailwarden.mailauth.dkim.DkimVerifier;
import org.mailwarden.mailauth.dkim.KeyFetcher;
import org.mailwarden.mailauth.dkim.KeyRecord;
import org.mailwarden.mailauth.dkim.RawHeader;
import org.mailwarden.mailauth.dkim.SigningAlgorithm;
import org.mailwarden.mailauth.dkim.TagList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates a message's ARC chain (RFC 8617 5.2), streaming like DkimVerifier: the ARC sets are collected and checked
 * for form (instances 1..N, N at most 50, exactly one AAR, AMS and AS each; cv=none at 1 and pass above; any
 * cv=fail fails), then the newest ARC-Message-Signature is verified like a DKIM signature (its body hash computed as
 * the body streams) and every ARC-Seal over the sets up to its own (RFC 8617 5.1.1). Keys come from DNS as for DKIM,
 * all fetched at once within one budget. ARC has no temperror: a key that cannot be fetched fails the chain, and the
 * reason says it was temporary.
 */
public final class ArcVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(ArcVerifier.class);

    private final TxtLookup keys;
    private final Clock clock;
    private final DkimVerifier.Limits limits;

    public ArcVerifier(TxtLookup keys, Clock clock) {
        this(keys, clock, DkimVerifier.Limits.DEFAULT);
    }

    public ArcVerifier(TxtLookup keys, Clock clock, DkimVerifier.Limits limits) {
        this.keys = keys;
        this.clock = clock;
        this.limits = limits;
    }

    /** One ARC set as written: its instance and its three fields. */
    record ArcSet(int instance, String aar, String ams, String seal, TagList sealTags) {}

    /** What the header says before the body is read. */
    sealed interface Prepared {
        /** Decided without the body (no chain, or a broken one); {@code maxInstance} is the highest i= seen. */
        record Done(ArcOutcome outcome, int maxInstance, String topCv) implements Prepared {}
        /** The newest AMS waits for its body hash. */
        record Pending(List<ArcSet> sets, DkimSignature ams, BodyHash body, KeyFetcher fetcher) implements Prepared {}
    }

    public ArcOutcome verify(InputStream message) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message, 16384);
        RawHeader header = RawHeader.read(in);
        Prepared p = prepare(header);
        if (p instanceof Prepared.Pending pending) {
            BodyHash.feed(in, List.of(pending.body()));
        }
        return complete(p, header);
    }

    KeyFetcher fetcher() {
        return new KeyFetcher(keys, limits.keyLookupBudget());
    }

    Instant now() {
        return clock.instant();
    }

    Prepared prepare(RawHeader header) {
        try {
            return collect(header);
        } catch (RuntimeException e) {
            return new Prepared.Done(fail(0, List.of(), "cannot validate: " + e), 0, null);
        }
    }

    ArcOutcome complete(Prepared p, RawHeader header) {
        ArcOutcome o = switch (p) {
            case Prepared.Done d -> d.outcome();
            case Prepared.Pending pending -> {
                try {
                    yield check(pending, header);
                } catch (RuntimeException e) {
                    yield fail(pending.sets().size(), sealers(pending.sets()), "cannot validate: " + e);
                }
            }
        };
        if (o.result() != ArcResult.NONE) {
            LOG.debug("event=arc-verify result={} instances={} reason=\"{}\"", o.result().keyword(), o.instances(),
                    o.reason());
        }
        return o;
    }

    private Prepared collect(RawHeader header) {
        Map<Integer, String[]> byInstance = new TreeMap<>();
        Map<Integer, TagList> sealTags = new TreeMap<>();
        int max = 0;
        boolean any = false;
        String problem = null;
        for (String f : header.fields()) {
            String name = RawHeader.name(f);
            int slot = switch (name) {
                case "arc-authentication-results" -> 0;
                case "arc-message-signature" -> 1;
                case "arc-seal" -> 2;
                default -> -1;
            };
            if (slot < 0) {
                continue;
            }
            any = true;
            int instance;
            TagList tags = null;
            if (slot == 0) {
                instance = aarInstance(RawHeader.value(f));
            } else {
                try {
                    tags = TagList.parse(RawHeader.value(f));
                    instance = DkimSignature.instance(tags.get("i"));
                } catch (TagList.Malformed e) {
                    problem = problem != null ? problem : "malformed " + name + ": " + e.getMessage();
                    continue;
                }
            }
            if (instance < 1) {
                problem = problem != null ? problem : name + " without a valid instance i= (1.."
                        + DkimSignature.MAX_INSTANCE + ")";
                continue;
            }
            max = Math.max(max, instance);
            String[] set = byInstance.computeIfAbsent(instance, k -> new String[3]);
            if (set[slot] != null) {
                problem = problem != null ? problem : "two " + name + " fields for instance " + instance;
                continue;
            }
            set[slot] = f;
            if (slot == 2) {
                sealTags.put(instance, tags);
            }
        }
        if (!any) {
            return new Prepared.Done(ArcOutcome.NONE, 0, null);
        }
        String topCv = sealTags.containsKey(max) ? sealTags.get(max).get("cv") : null;
        if (!header.complete()) {
            return done("header section exceeds " + RawHeader.MAX_OCTETS + " octets or " + RawHeader.MAX_FIELDS
                    + " fields", max, topCv, List.of());
        }
        if (problem != null) {
            return done(problem, max, topCv, List.of());
        }
        List<ArcSet> sets = new ArrayList<>();
        for (int i = 1; i <= max; i++) {
            String[] s = byInstance.get(i);
            if (s == null || s[0] == null || s[1] == null || s[2] == null) {
                return done("ARC set " + i + " is missing or incomplete (instances must be 1.." + max + ")", max,
                        topCv, sets);
            }
            sets.add(new ArcSet(i, s[0], s[1], s[2], sealTags.get(i)));
        }
        for (ArcSet s : sets) {
            TagList t = s.sealTags();
            String cv = t.get("cv");
            if ("fail".equals(cv)) {
                return done("ARC-Seal i=" + s.instance() + " reports cv=fail", max, topCv, sets);
            }
            String want = s.instance() == 1 ? "none" : "pass";
            if (!want.equals(cv)) {
                return done("ARC-Seal i=" + s.instance() + " has cv=" + cv + ", not " + want, max, topCv, sets);
            }
            if (t.has("h")) {
                return done("ARC-Seal i=" + s.instance() + " has an h= tag", max, topCv, sets);
            }
            for (String req : List.of("a", "b", "d", "s")) {
                if (!t.has(req)) {
                    return done("ARC-Seal i=" + s.instance() + " lacks " + req + "=", max, topCv, sets);
                }
            }
            if (SigningAlgorithm.of(t.get("a")) == null) {
                return done("ARC-Seal i=" + s.instance() + " has an unsupported a=" + TagList.shorten(t.get("a")),
                        max, topCv, sets);
            }
        }
        ArcSet newest = sets.getLast();
        DkimSignature ams;
        switch (DkimSignature.parse(newest.ams(), DkimSignature.Kind.AMS, now(), limits.clockSkew())) {
            case DkimSignature.Parsed.Ok(DkimSignature s) -> ams = s;
            case DkimSignature.Parsed.Bad b -> {
                return done("ARC-Message-Signature i=" + newest.instance() + ": " + b.reason(), max, topCv, sets);
            }
        }
        KeyFetcher fetcher = fetcher();
        fetcher.start(ams.selector(), ams.domain());
        for (ArcSet s : sets) {
            fetcher.start(sealSelector(s), sealDomain(s));
        }
        return new Prepared.Pending(sets, ams, ams.newBodyHash(), fetcher);
    }

    private static Prepared.Done done(String reason, int max, String topCv, List<ArcSet> sets) {
        return new Prepared.Done(fail(max, sealers(sets), reason), max, topCv);
    }

    private ArcOutcome check(Prepared.Pending p, RawHeader header) {
        List<ArcSet> sets = p.sets();
        List<String> sealers = sealers(sets);
        DkimSignature ams = p.ams();
        int n = sets.size();
        String keyProblem = keyProblem(p.fetcher(), ams.selector(), ams.domain(), ams.algorithm());
        if (keyProblem != null) {
            return fail(n, sealers, "ARC-Message-Signature i=" + n + ": " + keyProblem);
        }
        KeyRecord amsKey = key(p.fetcher(), ams.selector(), ams.domain());
        if (!java.security.MessageDigest.isEqual(p.body().finish(), ams.bodyHash())) {
            return fail(n, sealers, "ARC-Message-Signature i=" + n + ": body hash did not verify");
        }
        if (!ams.algorithm().verify(amsKey.key(), ams.headerHashInput(header, header.index()), ams.signature())) {
            return fail(n, sealers, "ARC-Message-Signature i=" + n + ": signature did not verify");
        }
        for (int i = n; i >= 1; i--) {
            ArcSet s = sets.get(i - 1);
            SigningAlgorithm alg = SigningAlgorithm.of(s.sealTags().get("a"));
            String problem = keyProblem(p.fetcher(), sealSelector(s), sealDomain(s), alg);
            if (problem != null) {
                return fail(n, sealers, "ARC-Seal i=" + i + ": " + problem);
            }
            byte[] sig = base64(s.sealTags().compact("b"));
            if (sig == null || !alg.verify(key(p.fetcher(), sealSelector(s), sealDomain(s)).key(),
                    sealHashInput(sets.subList(0, i)), sig)) {
                return fail(n, sealers, "ARC-Seal i=" + i + ": signature did not verify");
            }
        }
        return new ArcOutcome(ArcResult.PASS, n, sealers, null);
    }

    /**
     * What an ARC-Seal signs (RFC 8617 5.1.1): the sets in instance order, each AAR, AMS, AS, in relaxed header
     * canonicalization; the last AS (the one verified, or being made) with b= emptied and no final CRLF.
     */
    static byte[] sealHashInput(List<ArcSet> sets) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sets.size(); i++) {
            ArcSet s = sets.get(i);
            sb.append(Canonicalization.RELAXED.header(s.aar())).append("\r\n");
            sb.append(Canonicalization.RELAXED.header(s.ams())).append("\r\n");
            if (i + 1 < sets.size()) {
                sb.append(Canonicalization.RELAXED.header(s.seal())).append("\r\n");
            } else {
                sb.append(Canonicalization.RELAXED.header(DkimSignature.withoutB(s.seal(), s.sealTags())));
            }
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String keyProblem(KeyFetcher fetcher, String selector, String domain, SigningAlgorithm alg) {
        return switch (fetcher.get(selector, domain)) {
            case KeyFetcher.Fetched.Key k -> k.key().unfitFor(alg);
            case KeyFetcher.Fetched.Failed f -> (f.result() == org.mailwarden.mailauth.dkim.DkimResult.TEMPERROR
                    ? "temporary: " : "") + f.reason();
        };
    }

    private static KeyRecord key(KeyFetcher fetcher, String selector, String domain) {
        return switch (fetcher.get(selector, domain)) {
            case KeyFetcher.Fetched.Key k -> k.key();
            case KeyFetcher.Fetched.Failed f -> throw new IllegalStateException(f.reason());
        };
    }

    static String sealDomain(ArcSet s) {
        return s.sealTags().get("d").toLowerCase(Locale.ROOT);
    }

    static String sealSelector(ArcSet s) {
        return s.sealTags().get("s").toLowerCase(Locale.ROOT);
    }

    private static List<String> sealers(List<ArcSet> sets) {
        List<String> out = new ArrayList<>();
        for (ArcSet s : sets) {
            String d = s.sealTags() == null ? null : s.sealTags().get("d");
            out.add(d == null ? "" : d.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static ArcOutcome fail(int instances, List<String> sealers, String reason) {
        return new ArcOutcome(ArcResult.FAIL, instances, sealers, reason);
    }

    private static byte[] base64(String v) {
        try {
            return v == null ? null : java.util.Base64.getDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The instance of an ARC-Authentication-Results value ("i=N; authserv-id; ..."), or -1. */
    static int aarInstance(String value) {
        int semi = value.indexOf(';');
        String first = semi < 0 ? value : value.substring(0, semi);
        int eq = first.indexOf('=');
        if (eq < 0 || !first.substring(0, eq).strip().equals("i")) {
            return -1;
        }
        return DkimSignature.instance(first.substring(eq + 1).replaceAll("[ \t\r\n]+", ""));
    }
}
