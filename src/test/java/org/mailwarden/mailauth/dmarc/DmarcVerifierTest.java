package org.mailwarden.mailauth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.arc.ArcResult;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.dkim.DkimResult;
import org.mailwarden.mailauth.dmarc.DmarcOutcome.Override;
import org.mailwarden.mailauth.dmarc.DmarcOutcome.Result;
import org.mailwarden.mailauth.dmarc.DmarcRecord.Disposition;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.mailwarden.mailauth.spf.SpfResult;
import org.mailwarden.support.TestDns;

/** DMARC evaluation against policy records served by a real DNS server on loopback. */
class DmarcVerifierTest {

    static TestDns dns;
    static TxtLookup txt;
    static PublicSuffixList psl;

    @BeforeAll
    static void zones() throws IOException {
        dns = new TestDns();
        dns.txt("_dmarc.bank.test", "v=DMARC1; p=reject; rua=mailto:dmarc@bank.test");
        dns.txt("_dmarc.shop.test", "v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=s");
        dns.txt("_dmarc.half.test", "v=DMARC1; p=reject; pct=50");
        dns.txt("_dmarc.open.test", "v=DMARC1; p=none");
        dns.txt("_dmarc.twice.test", "v=DMARC1; p=reject");
        dns.txt("_dmarc.twice.test", "v=DMARC1; p=none");
        dns.txt("_dmarc.other.test", "some-verification=abc");
        dns.txt("_dmarc.other.test", "v=DMARC1; p=reject");
        dns.servfail("_dmarc.flaky.test");
        txt = TxtLookup.of(new DnsResolver(dns.server(), Duration.ofSeconds(2)));
        psl = PublicSuffixList.load(PublicSuffixList.DEBIAN);
    }

    @AfterAll
    static void stop() throws IOException {
        dns.close();
    }

    static DmarcVerifier verifier(boolean enforce, int percent, String... trusted) {
        return new DmarcVerifier(txt, psl, Set.of(trusted), enforce, () -> percent);
    }

    static SpfOutcome spf(SpfResult r, String domain) {
        return new SpfOutcome(r, "mailfrom", domain, null, null);
    }

    static DkimOutcome dkim(DkimResult r, String d) {
        return new DkimOutcome(r, d, "sel", null, "rsa-sha256", "abcdefgh", false, null);
    }

    @Test
    void alignedDkimPassesWhateverSpfSays() {
        DmarcOutcome o = verifier(true, 0).evaluate(List.of("bank.test"), spf(SpfResult.FAIL, "bounces.elsewhere.test"),
                List.of(dkim(DkimResult.PASS, "mail.bank.test")), ArcOutcome.NONE);
        assertThat(o.result()).isEqualTo(Result.PASS);
        assertThat(o.dkimAligned()).isTrue(); // relaxed: mail.bank.test and bank.test share their org domain
        assertThat(o.spfAligned()).isFalse();
        assertThat(o.applied()).isEqualTo(Disposition.NONE);
        assertThat(o.record().rua()).hasSize(1);
    }

    @Test
    void alignedSpfPasses() {
        DmarcOutcome o = verifier(true, 0).evaluate(List.of("bank.test"), spf(SpfResult.PASS, "bank.test"), List.of(),
                ArcOutcome.NONE);
        assertThat(o.result()).isEqualTo(Result.PASS);
        assertThat(o.spfAligned()).isTrue();
    }

    @Test
    void unalignedPassesFailAndRejectIsApplied() {
        DmarcOutcome o = verifier(true, 0).evaluate(List.of("bank.test"), spf(SpfResult.PASS, "attacker.test"),
                List.of(dkim(DkimResult.PASS, "attacker.test"), dkim(DkimResult.FAIL, "bank.test")), ArcOutcome.NONE);
        assertThat(o.result()).isEqualTo(Result.FAIL);
        assertThat(o.requested()).isEqualTo(Disposition.REJECT);
        assertThat(o.applied()).isEqualTo(Disposition.REJECT);
        assertThat(o.policyDomain()).isEqualTo("bank.test");
    }

    @Test
    void strictAlignmentWantsTheSameName() {
        DmarcOutcome o = verifier(true, 0).evaluate(List.of("shop.test"), spf(SpfResult.PASS, "mail.shop.test"),
                List.of(dkim(DkimResult.PASS, "mail.shop.test")), ArcOutcome.NONE);
        assertThat(o.result()).isEqualTo(Result.FAIL);
        assertThat(o.applied()).isEqualTo(Disposition.QUARANTINE);
        DmarcOutcome exact = verifier(true, 0).evaluate(List.of("shop.test"), spf(SpfResult.PASS, "SHOP.test"),
                List.of(), ArcOutcome.NONE);
        assertThat(exact.result()).isEqualTo(Result.PASS);
    }

    @Test
    void aSubdomainWithoutItsOwnRecordGetsSpFromTheOrganizationalDomain() {
        DmarcOutcome o = verifier(true, 0).evaluate(List.of("news.shop.test"), null, List.of(), ArcOutcome.NONE);
        assertThat(o.policyDomain()).isEqualTo("shop.test");
        assertThat(o.requested()).isEqualTo(Disposition.REJECT);
        assertThat(o.applied()).isEqualTo(Disposition.REJECT);
        assertThat(dns.queries).contains("_dmarc.news.shop.test. TXT", "_dmarc.shop.test. TXT");
    }

    @Test
    void pctSamplesTheFailuresThePolicyAppliesTo() {
        DmarcOutcome in = verifier(true, 49).evaluate(List.of("half.test"), null, List.of(), ArcOutcome.NONE);
        assertThat(in.applied()).isEqualTo(Disposition.REJECT);
        DmarcOutcome out = verifier(true, 50).evaluate(List.of("half.test"), null, List.of(), ArcOutcome.NONE);
        assertThat(out.applied()).isEqualTo(Disposition.QUARANTINE); // the next weaker policy (RFC 7489 6.6.4)
        assertThat(out.override()).isEqualTo(Override.SAMPLED_OUT);
    }

    @Test
    void noRecordSeveralRecordsOrOnlyOtherTxtRecords() {
        assertThat(verifier(true, 0).evaluate(List.of("nothing.test"), null, List.of(), ArcOutcome.NONE).result())
                .isEqualTo(Result.NONE);
        DmarcOutcome twice = verifier(true, 0).evaluate(List.of("twice.test"), null, List.of(), ArcOutcome.NONE);
        assertThat(twice.result()).isEqualTo(Result.NONE);
        assertThat(twice.problem()).contains("several");
        // a TXT record that is not DMARC's is discarded before counting
        assertThat(verifier(true, 0).evaluate(List.of("other.test"), null, List.of(), ArcOutcome.NONE).applied())
                .isEqualTo(Disposition.REJECT);
        assertThat(verifier(true, 0).evaluate(List.of("open.test"), null, List.of(), ArcOutcome.NONE).applied())
                .isEqualTo(Disposition.NONE);
    }

    @Test
    void dnsFailuresAreTemperrors() {
        DmarcOutcome lookup = verifier(true, 0).evaluate(List.of("flaky.test"), null, List.of(), ArcOutcome.NONE);
        assertThat(lookup.result()).isEqualTo(Result.TEMPERROR);
        // the record is there, but the only check that could align failed temporarily
        DmarcOutcome dkimDns = verifier(true, 0).evaluate(List.of("bank.test"), null,
                List.of(dkim(DkimResult.TEMPERROR, "bank.test")), ArcOutcome.NONE);
        assertThat(dkimDns.result()).isEqualTo(Result.TEMPERROR);
        assertThat(dkimDns.requested()).isEqualTo(Disposition.REJECT);
    }

    @Test
    void aTrustedArcSealerOverridesAFailureAnUntrustedOneDoesNot() {
        ArcOutcome list = new ArcOutcome(ArcResult.PASS, 2, List.of("first.test", "lists.example.org"), null);
        DmarcOutcome trusted = verifier(true, 0, "lists.example.org").evaluate(List.of("bank.test"), null, List.of(),
                list);
        assertThat(trusted.result()).isEqualTo(Result.FAIL);
        assertThat(trusted.applied()).isEqualTo(Disposition.NONE);
        assertThat(trusted.override()).isEqualTo(Override.TRUSTED_FORWARDER);
        // only the newest sealer counts
        assertThat(verifier(true, 0, "first.test").evaluate(List.of("bank.test"), null, List.of(), list).applied())
                .isEqualTo(Disposition.REJECT);
        ArcOutcome broken = new ArcOutcome(ArcResult.FAIL, 2, List.of("first.test", "lists.example.org"), "bad seal");
        assertThat(verifier(true, 0, "lists.example.org").evaluate(List.of("bank.test"), null, List.of(), broken)
                .applied()).isEqualTo(Disposition.REJECT);
    }

    @Test
    void reportOnlyAppliesNothing() {
        DmarcOutcome o = verifier(false, 0).evaluate(List.of("bank.test"), null, List.of(), ArcOutcome.NONE);
        assertThat(o.result()).isEqualTo(Result.FAIL);
        assertThat(o.applied()).isEqualTo(Disposition.NONE);
        assertThat(o.override()).isEqualTo(Override.LOCAL_POLICY);
    }

    @Test
    void severalFromDomainsTheStrictestWins() {
        DmarcOutcome o = verifier(true, 0).evaluate(List.of("open.test", "bank.test"), null,
                List.of(dkim(DkimResult.PASS, "open.test")), ArcOutcome.NONE);
        assertThat(o.fromDomain()).isEqualTo("bank.test");
        assertThat(o.applied()).isEqualTo(Disposition.REJECT);
        assertThat(verifier(true, 0).evaluate(List.of(), null, List.of(), ArcOutcome.NONE).result())
                .isEqualTo(Result.PERMERROR);
        assertThat(verifier(true, 0).evaluate(List.of("bad..domain"), null, List.of(), ArcOutcome.NONE).result())
                .isEqualTo(Result.PERMERROR);
    }
}
