package org.mailwarden.mailauth.dmarc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.arc.ArcResult;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.dkim.DkimResult;
import org.mailwarden.mailauth.dmarc.DmarcRecord.Disposition;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.mailwarden.mailauth.spf.SpfResult;

/**
 * DMARC evaluation (RFC 7489 6.6): policy discovery at {@code _dmarc.<From domain>}, then at the organizational
 * domain; identifier alignment of the SPF-authenticated MAIL FROM domain and of every passing DKIM signature's
 * {@code d=}, strict or relaxed; the requested policy ({@code p}, or {@code sp} for a subdomain), sampled by
 * {@code pct}; and local policy on top: a passing ARC chain whose newest sealer is trusted overrides a failure
 * (RFC 8617 7.2), and report-only mode applies nothing. One verifier serves every message; it holds no state.
 */
public final class DmarcVerifier {

    private final TxtLookup dns;
    private final PublicSuffixList psl;
    private final Set<String> trustedSealers;
    private final boolean enforce;
    private final IntSupplier percent; // 0..99, for pct sampling

    /**
     * @param trustedSealers ARC sealing domains whose passing chain overrides a DMARC failure
     * @param enforce        false: evaluate and report, apply nothing (report-only)
     * @param percent        a source of 0..99, uniformly (tests pass a fixed one)
     */
    public DmarcVerifier(TxtLookup dns, PublicSuffixList psl, Set<String> trustedSealers, boolean enforce,
            IntSupplier percent) {
        this.dns = dns;
        this.psl = psl;
        Set<String> t = new LinkedHashSet<>();
        for (String s : trustedSealers) {
            t.add(s.strip().toLowerCase(Locale.ROOT));
        }
        this.trustedSealers = Set.copyOf(t);
        this.enforce = enforce;
        this.percent = percent;
    }

    public PublicSuffixList publicSuffixList() {
        return psl;
    }

    /**
     * Evaluates a message whose From field names these domains (RFC 7489 6.6.1: each is evaluated and the strictest
     * outcome applies). The caller handles zero or several From fields; an empty list here is a permerror.
     */
    public DmarcOutcome evaluate(List<String> fromDomains, SpfOutcome spf, List<DkimOutcome> dkim, ArcOutcome arc) {
        return evaluate(null, fromDomains, spf, dkim, arc);
    }

    /** As above, looking policy records up through {@code lookup} (a message's DNS budget); null: the verifier's. */
    public DmarcOutcome evaluate(TxtLookup lookup, List<String> fromDomains, SpfOutcome spf, List<DkimOutcome> dkim,
            ArcOutcome arc) {
        TxtLookup dns = lookup != null ? lookup : this.dns;
        Set<String> domains = new LinkedHashSet<>();
        for (String d : fromDomains) {
            String n = PublicSuffixList.normalize(d);
            if (n != null) {
                domains.add(n);
            }
        }
        if (domains.isEmpty()) {
            return new DmarcOutcome(DmarcOutcome.Result.PERMERROR, fromDomains.isEmpty() ? null : fromDomains.getFirst(),
                    null, null, false, false, Disposition.NONE, Disposition.NONE, null, "no usable From domain");
        }
        DmarcOutcome worst = null;
        for (String d : domains) {
            DmarcOutcome o = evaluate(dns, d, spf, dkim, arc);
            if (worst == null || o.severity() > worst.severity()) {
                worst = o;
            }
        }
        return worst;
    }

    private DmarcOutcome evaluate(TxtLookup dns, String from, SpfOutcome spf, List<DkimOutcome> dkim, ArcOutcome arc) {
        String org = psl.organizationalDomain(from);
        Discovery found = discover(dns, from);
        if (found instanceof Discovery.Missing m && !m.last() && org != null && !org.equals(from)) {
            found = discover(dns, org);
        }
        DmarcRecord rec;
        String policyDomain;
        switch (found) {
            case Discovery.Found f -> {
                rec = f.record();
                policyDomain = f.domain();
            }
            case Discovery.Missing m -> {
                return DmarcOutcome.none(from, m.why());
            }
            case Discovery.Failed t -> {
                return new DmarcOutcome(DmarcOutcome.Result.TEMPERROR, from, null, null, false, false,
                        Disposition.NONE, Disposition.NONE, null, t.why());
            }
        }
        boolean spfAligned = spf != null && spf.result() == SpfResult.PASS && "mailfrom".equals(spf.identity())
                && aligned(spf.domain(), from, rec.aspfStrict());
        boolean dkimAligned = false;
        boolean transientFailure = spf != null && spf.result() == SpfResult.TEMPERROR;
        for (DkimOutcome d : dkim) {
            if (d.result() == DkimResult.PASS && aligned(d.domain(), from, rec.adkimStrict())) {
                dkimAligned = true;
            }
            transientFailure |= d.result() == DkimResult.TEMPERROR;
        }
        Disposition requested = policyDomain.equals(from) ? rec.p() : rec.sp();
        if (spfAligned || dkimAligned) {
            return new DmarcOutcome(DmarcOutcome.Result.PASS, from, policyDomain, rec, spfAligned, dkimAligned,
                    requested, Disposition.NONE, null, null);
        }
        DmarcOutcome.Result result = transientFailure ? DmarcOutcome.Result.TEMPERROR : DmarcOutcome.Result.FAIL;
        Disposition applied = requested;
        DmarcOutcome.Override why = null;
        if (applied != Disposition.NONE && rec.pct() < 100 && percent.getAsInt() >= rec.pct()) {
            applied = applied.weaker();
            why = DmarcOutcome.Override.SAMPLED_OUT;
        }
        if (applied != Disposition.NONE && arc != null && arc.result() == ArcResult.PASS && !arc.sealers().isEmpty()
                && trustedSealers.contains(arc.sealers().getLast().toLowerCase(Locale.ROOT))) {
            applied = Disposition.NONE;
            why = DmarcOutcome.Override.TRUSTED_FORWARDER;
        }
        if (applied != Disposition.NONE && !enforce) {
            applied = Disposition.NONE;
            why = DmarcOutcome.Override.LOCAL_POLICY;
        }
        return new DmarcOutcome(result, from, policyDomain, rec, false, false, requested, applied, why,
                transientFailure ? "a check it depends on failed temporarily" : null);
    }

    /** Identifier alignment (RFC 7489 3.1): the same name (strict), or the same organizational domain (relaxed). */
    boolean aligned(String authenticated, String from, boolean strict) {
        String a = PublicSuffixList.normalize(authenticated);
        if (a == null) {
            return false;
        }
        if (strict) {
            return a.equals(from);
        }
        String oa = psl.organizationalDomain(a);
        return oa != null && oa.equals(psl.organizationalDomain(from));
    }

    private sealed interface Discovery {
        record Found(String domain, DmarcRecord record) implements Discovery {}

        /** No record; {@code last}: discovery ends here (several records, or one without a usable policy). */
        record Missing(String why, boolean last) implements Discovery {}

        record Failed(String why) implements Discovery {}
    }

    /** RFC 7489 6.6.3 steps 1, 3, 4 and 5 for one name. */
    private static Discovery discover(TxtLookup dns, String domain) {
        String name = "_dmarc." + domain;
        Answer<String> a = dns.txt(name);
        List<String> texts = switch (a) {
            case Answer.Found<String> f -> f.values();
            case Answer.NoSuchDomain<String> n -> List.of();
            case Answer.NoRecords<String> n -> List.of();
            case Answer.TempFailure<String> t -> null;
        };
        if (texts == null) {
            return new Discovery.Failed("DNS lookup of " + name + " failed: " + ((Answer.TempFailure<String>) a).reason());
        }
        List<String> dmarc = new ArrayList<>();
        for (String t : texts) {
            if (t.strip().matches("(?s)v\\s*=\\s*DMARC1\\s*(;.*)?")) {
                dmarc.add(t);
            }
        }
        if (dmarc.isEmpty()) {
            return new Discovery.Missing("no DMARC record at " + name, false);
        }
        if (dmarc.size() > 1) {
            return new Discovery.Missing("several DMARC records at " + name, true);
        }
        Optional<DmarcRecord> r = DmarcRecord.parse(dmarc.getFirst().strip().replaceFirst("^v\\s*=\\s*", "v="));
        if (r.isEmpty()) {
            return new Discovery.Missing("no usable policy in the DMARC record at " + name, true);
        }
        return new Discovery.Found(domain, r.get());
    }
}
