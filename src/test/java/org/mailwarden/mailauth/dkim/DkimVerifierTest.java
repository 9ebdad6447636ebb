package org.mailwarden.mailauth.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.support.TestDns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mailwarden.mailauth.dkim.TestSigner.bytes;
import static org.mailwarden.mailauth.dkim.TestSigner.prepend;

class DkimVerifierTest {

    static final Path KEYS = Path.of("src/test/resources/dkim");
    static final Instant T = Instant.ofEpochSecond(1_796_191_200L);
    static final byte[] MESSAGE = bytes("""
            From: Alice <alice@example.test>
            To: bob@remote.test
            Subject: Hello
            Date: Wed, 02 Dec 2026 06:00:00 +0000
            Message-ID: <1@example.test>

            Hello Bob.
              with   spaces\t
            """);

    TestDns dns;
    DkimVerifier verifier;
    DkimKey rsa;
    DkimKey ed;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDns();
        // the tests change key records between lookups: the resolver must not cache them
        DnsResolver resolver = new DnsResolver(dns.server(), DnsResolver.Options.defaults(Duration.ofMillis(700))
                .withMaxEntries(0));
        verifier = new DkimVerifier(TxtLookup.of(resolver), Clock.fixed(T.plusSeconds(60), ZoneOffset.UTC));
        rsa = DkimKey.load(KEYS.resolve("rsa2048.pem"), "example.test", "rsa");
        ed = DkimKey.load(KEYS.resolve("ed25519.pem"), "example.test", "ed");
        dns.txt("rsa._domainkey.example.test", rsa.txtRecord());
        dns.txt("ed._domainkey.example.test", ed.txtRecord());
    }

    @AfterEach
    void tearDown() throws Exception {
        dns.close();
    }

    List<DkimOutcome> verify(byte[] message) throws IOException {
        return verifier.verify(new ByteArrayInputStream(message));
    }

    DkimOutcome one(byte[] message) throws IOException {
        List<DkimOutcome> out = verify(message);
        assertThat(out).hasSize(1);
        return out.getFirst();
    }

    String sign(DkimKey key, String tags) throws IOException {
        return TestSigner.sign(MESSAGE, key.privateKey(), DkimSigner.signingAlgorithm(key), tags);
    }

    @Test
    void noSignatureGivesNoOutcome() throws Exception {
        assertThat(verify(MESSAGE)).isEmpty();
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void rsaAndEd25519SignaturesPass() throws Exception {
        byte[] signed = prepend(DkimSigner.sign(MESSAGE, rsa, T) + DkimSigner.sign(MESSAGE, ed, T), MESSAGE);
        List<DkimOutcome> out = verify(signed);
        assertThat(out).extracting(DkimOutcome::result).containsExactly(DkimResult.PASS, DkimResult.PASS);
        assertThat(out.get(0)).satisfies(o -> {
            assertThat(o.domain()).isEqualTo("example.test");
            assertThat(o.selector()).isEqualTo("rsa");
            assertThat(o.identity()).isEqualTo("@example.test");
            assertThat(o.algorithm()).isEqualTo("rsa-sha256");
            assertThat(o.headerB()).hasSize(8);
            assertThat(o.bodyPartlyCovered()).isFalse();
            assertThat(o.reason()).isNull();
        });
        assertThat(out.get(1).algorithm()).isEqualTo("ed25519-sha256");
    }

    @Test
    void simpleCanonicalizationPassesAndIgnoresOnlyTrailingEmptyLines() throws Exception {
        String sig = sign(rsa, "v=1; a=rsa-sha256; c=simple/simple; d=example.test; s=rsa; h=from:to:subject");
        assertThat(one(prepend(sig, MESSAGE)).result()).isEqualTo(DkimResult.PASS);
        assertThat(one(prepend(sig, concat(MESSAGE, bytes("\n\n\n")))).result()).isEqualTo(DkimResult.PASS);
        byte[] spaced = new String(MESSAGE, java.nio.charset.StandardCharsets.ISO_8859_1).replace("Hello Bob.",
                "Hello  Bob.").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(one(prepend(sig, spaced)).reason()).isEqualTo("body hash did not verify");
        String relaxedHeader = sign(rsa, "v=1; a=rsa-sha256; c=relaxed; d=example.test; s=rsa; h=from:to:subject");
        assertThat(one(prepend(relaxedHeader, spaced)).result()).isEqualTo(DkimResult.FAIL); // c=relaxed/simple
        String relaxed = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from:to:subject");
        assertThat(one(prepend(relaxed, spaced)).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void changedBodyFails() throws Exception {
        byte[] signed = prepend(DkimSigner.sign(MESSAGE, rsa, T), concat(MESSAGE, bytes("P.S. added\n")));
        DkimOutcome o = one(signed);
        assertThat(o.result()).isEqualTo(DkimResult.FAIL);
        assertThat(o.reason()).isEqualTo("body hash did not verify");
    }

    @Test
    void changedHeaderFails() throws Exception {
        String m = DkimSigner.sign(MESSAGE, ed, T) + new String(MESSAGE, java.nio.charset.StandardCharsets
                .ISO_8859_1).replace("Subject: Hello", "Subject: Hello!");
        DkimOutcome o = one(m.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(o.result()).isEqualTo(DkimResult.FAIL);
        assertThat(o.reason()).isEqualTo("signature did not verify");
    }

    @Test
    void anAddedFromBreaksTheOversignedSignatureButAnAddedUnsignedInstanceBelowDoesNot() throws Exception {
        String sig = DkimSigner.sign(MESSAGE, rsa, T);
        assertThat(sig).contains("h=from:from:");
        assertThat(one(prepend(sig + "From: mallory@evil.test\r\n", MESSAGE)).result()).isEqualTo(DkimResult.FAIL);
        // h= names Subject once: the bottom-most Subject is the signed one, a Subject added above is not covered
        String once = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from:subject");
        assertThat(one(prepend(once + "Subject: other\r\n", MESSAGE)).result()).isEqualTo(DkimResult.PASS);
        // oversigned Subject (listed twice, present once): adding one breaks it
        String twice = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; "
                + "h=from:subject:subject");
        assertThat(one(prepend(twice, MESSAGE)).result()).isEqualTo(DkimResult.PASS);
        assertThat(one(prepend(twice + "Subject: other\r\n", MESSAGE)).result()).isEqualTo(DkimResult.FAIL);
    }

    @Test
    void lengthLimitCoversOnlyItsPrefix() throws Exception {
        String sig = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from:subject; "
                + "l=12");
        DkimOutcome exact = one(prepend(sig, MESSAGE));
        assertThat(exact.result()).isEqualTo(DkimResult.PASS);
        assertThat(exact.bodyPartlyCovered()).isTrue(); // the second body line is past l=12
        DkimOutcome appended = one(prepend(sig, concat(MESSAGE, bytes("Click here: http://evil.test/\n"))));
        assertThat(appended.result()).isEqualTo(DkimResult.PASS);
        assertThat(appended.bodyPartlyCovered()).isTrue();

        String all = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from; l=26");
        assertThat(one(prepend(all, MESSAGE))).satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.PASS);
            assertThat(o.bodyPartlyCovered()).isFalse();
        });
        String longer = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from; l=27");
        assertThat(one(prepend(longer, MESSAGE))).satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.FAIL);
            assertThat(o.reason()).contains("longer than the body");
        });
        String huge = sign(rsa, "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test; s=rsa; h=from; l=12")
                .replace("l=12", "l=99999999999999999999999999");
        assertThat(one(prepend(huge, MESSAGE)).result()).isEqualTo(DkimResult.FAIL);
    }

    @Test
    void expiredAndFutureSignaturesAreRefusedWithoutDns() throws Exception {
        long t = T.getEpochSecond();
        String expired = sign(rsa, "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; t=" + (t - 7200) + "; x="
                + (t - 3600));
        assertThat(one(prepend(expired, MESSAGE))).satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
            assertThat(o.reason()).startsWith("signature expired");
        });
        String withinSkew = sign(rsa, "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; x=" + (t - 60));
        assertThat(one(prepend(withinSkew, MESSAGE)).result()).isEqualTo(DkimResult.PASS);
        String future = sign(rsa, "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; t=" + (t + 3600));
        assertThat(one(prepend(future, MESSAGE)).reason()).contains("in the future");
        String backwards = sign(rsa, "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; t=" + t + "; x=" + (t - 1));
        assertThat(one(prepend(backwards, MESSAGE)).reason()).isEqualTo("x= is before t=");
        assertThat(dns.queries).hasSize(1); // only withinSkew's key
    }

    @Test
    void rsaSha1IsRefused() throws Exception {
        String sig = sign(rsa, "v=1; a=rsa-sha1; d=example.test; s=rsa; h=from");
        DkimOutcome o = one(prepend(sig, MESSAGE));
        assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(o.reason()).isEqualTo("rsa-sha1 is not accepted (RFC 8301)");
        assertThat(o.domain()).isEqualTo("example.test");
        assertThat(dns.queries).isEmpty();
        String unknown = sign(rsa, "v=1; a=rsa-sha512; d=example.test; s=rsa; h=from");
        assertThat(one(prepend(unknown, MESSAGE)).reason()).isEqualTo("unknown algorithm a=rsa-sha512");
    }

    @Test
    void shortRsaKeysAreRefused() throws Exception {
        DkimKey small = DkimKey.load(KEYS.resolve("rsa512.pem"), "example.test", "small");
        dns.txt("small._domainkey.example.test", small.txtRecord());
        DkimOutcome o = one(prepend(DkimSigner.sign(MESSAGE, small, T), MESSAGE));
        assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(o.reason()).startsWith("RSA key of 512 bits, fewer than 1024 (RFC 8301)");
        DkimKey k1024 = DkimKey.load(KEYS.resolve("rsa1024.pem"), "example.test", "k1024");
        dns.txt("k1024._domainkey.example.test", k1024.txtRecord());
        assertThat(one(prepend(DkimSigner.sign(MESSAGE, k1024, T), MESSAGE)).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void revokedKeyIsAPermanentError() throws Exception {
        dns.remove("rsa._domainkey.example.test").txt("rsa._domainkey.example.test", "v=DKIM1; k=rsa; p=");
        DkimOutcome o = one(prepend(DkimSigner.sign(MESSAGE, rsa, T), MESSAGE));
        assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
        assertThat(o.reason()).startsWith("key revoked");
    }

    @Test
    void strictKeyNeedsTheIdentityInTheSigningDomainItself() throws Exception {
        dns.remove("rsa._domainkey.example.test").txt("rsa._domainkey.example.test", "v=DKIM1; k=rsa; t=s; p="
                + rsa.publicKeyBase64());
        String sub = sign(rsa, "v=1; a=rsa-sha256; d=example.test; i=alice@mail.example.test; s=rsa; h=from");
        assertThat(one(prepend(sub, MESSAGE))).satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
            assertThat(o.reason()).contains("t=s");
            assertThat(o.identity()).isEqualTo("alice@mail.example.test");
        });
        String same = sign(rsa, "v=1; a=rsa-sha256; d=example.test; i=alice@example.test; s=rsa; h=from");
        assertThat(one(prepend(same, MESSAGE)).result()).isEqualTo(DkimResult.PASS);
    }

    @Test
    void testingKeyIsNotedInTheReason() throws Exception {
        dns.remove("ed._domainkey.example.test").txt("ed._domainkey.example.test", "v=DKIM1; k=ed25519; t=y; p="
                + ed.publicKeyBase64());
        DkimOutcome o = one(prepend(DkimSigner.sign(MESSAGE, ed, T), MESSAGE));
        assertThat(o.result()).isEqualTo(DkimResult.PASS);
        assertThat(o.reason()).contains("t=y");
    }

    @Test
    void dnsFailuresArePermanentOrTemporaryAsTheyAre() throws Exception {
        DkimKey other = DkimKey.load(KEYS.resolve("rsa2048.pem"), "nokey.test", "rsa");
        assertThat(one(prepend(DkimSigner.sign(MESSAGE, other, T), MESSAGE))).satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
            assertThat(o.reason()).isEqualTo("no key: rsa._domainkey.nokey.test does not exist");
        });
        dns.txt("other._domainkey.example.test", "v=DKIM1; k=rsa; p=" + rsa.publicKeyBase64());
        dns.remove("other._domainkey.example.test").a("other._domainkey.example.test", "127.0.0.1");
        DkimKey noTxt = DkimKey.load(KEYS.resolve("rsa2048.pem"), "example.test", "other");
        assertThat(one(prepend(DkimSigner.sign(MESSAGE, noTxt, T), MESSAGE)).reason()).startsWith("no key: no TXT");
        dns.servfail("rsa._domainkey.example.test");
        assertThat(one(prepend(DkimSigner.sign(MESSAGE, rsa, T), MESSAGE)).result()).isEqualTo(DkimResult.TEMPERROR);
    }

    @Test
    void unansweredKeyQueriesAreATemporaryErrorWithinOneBudget() throws Exception {
        var budgeted = new DkimVerifier(TxtLookup.of(new DnsResolver(dns.server(), Duration.ofSeconds(30))),
                Clock.fixed(T, ZoneOffset.UTC), new DkimVerifier.Limits(10, Duration.ofSeconds(1),
                        Duration.ofMinutes(5)));
        StringBuilder sigs = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            DkimKey k = DkimKey.load(KEYS.resolve("ed25519.pem"), "example.test", "silent" + i);
            dns.silent("silent" + i + "._domainkey.example.test");
            sigs.append(DkimSigner.sign(MESSAGE, k, T));
        }
        long start = System.nanoTime();
        List<DkimOutcome> out = budgeted.verify(new ByteArrayInputStream(prepend(sigs.toString(), MESSAGE)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(out).hasSize(10).allSatisfy(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.TEMPERROR);
            assertThat(o.reason()).contains("timed out");
        });
        assertThat(took).isLessThan(Duration.ofSeconds(4)); // one budget, not ten resolver timeouts
    }

    @Test
    void malformedSignaturesArePermanentErrors() throws Exception {
        String[][] cases = {
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; s=rsa; h=from; bh=AAAA; b=AAAA", "duplicate tag s="},
            {"a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AAAA; b=AAAA", "no v= tag"},
            {"v=2; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AAAA; b=AAAA", "incompatible version v=2"},
            {"v=1; a=rsa-sha256; d=example.test; h=from; bh=AAAA; b=AAAA", "required tag s= missing"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; h=to:subject; bh=AAAA; b=AAAA", "h= does not include From"},
            {"v=1; a=rsa-sha256; d=example.test; i=a@evil.test; s=rsa; h=from; bh=AAAA; b=AAAA",
                "i= is not within d="},
            {"v=1; a=rsa-sha256; d=example.test; i=a@badexample.test; s=rsa; h=from; bh=AAAA; b=AAAA",
                "i= is not within d="},
            {"v=1; a=rsa-sha256; c=fancy; d=example.test; s=rsa; h=from; bh=AAAA; b=AAAA",
                "unknown canonicalization"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=A*A; b=AAAA", "bh= is empty or not base64"},
            {"v=1; a=rsa-sha256; d=exa mple..test; s=rsa; h=from; bh=AAAA; b=AAAA", "d= is not a domain name"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AAAA; b=AAAA; l=-5", "l= is not a number"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; q=http; bh=AAAA; b=AAAA", "unknown query method"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa;; h=from; bh=AAAA; b=AAAA", "empty tag-spec"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AAAA; b=AAAA; 9x=1", "bad tag name"},
            {"v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; bh=AAAA; b", "tag-spec without '='"},
            {"", "no v= tag"},
        };
        for (String[] c : cases) {
            DkimOutcome o = one(prepend("DKIM-Signature: " + c[0] + "\r\n", MESSAGE));
            assertThat(o.result()).as(c[0]).isEqualTo(DkimResult.PERMERROR);
            assertThat(o.reason()).as(c[0]).contains(c[1]);
        }
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void malformedKeyRecordsArePermanentErrors() throws Exception {
        String[][] cases = {
            {"v=DKIM1; k=rsa; p=!!notbase64", "not base64"},
            {"v=DKIM1; k=rsa; p=AAAAAAAA", "not a rsa public key"},
            {"k=rsa; v=DKIM1; p=" + rsa.publicKeyBase64(), "v= must be DKIM1 and come first"},
            {"v=DKIM2; p=" + rsa.publicKeyBase64(), "v= must be DKIM1"},
            {"v=DKIM1; k=ed25519; p=" + rsa.publicKeyBase64(), "not a ed25519 public key"},
            {"v=DKIM1; k=dsa; p=" + rsa.publicKeyBase64(), "unknown key type k=dsa"},
            {"v=DKIM1; h=sha1; k=rsa; p=" + rsa.publicKeyBase64(), "does not allow sha256"},
            {"v=DKIM1; s=web; p=" + rsa.publicKeyBase64(), "excludes email"},
            {"v=DKIM1; k=rsa", "without p="},
            {"v=DKIM1; k=rsa; k=rsa; p=" + rsa.publicKeyBase64(), "duplicate tag k="},
            {"garbage", "malformed key record"},
        };
        for (String[] c : cases) {
            dns.remove("rsa._domainkey.example.test").txt("rsa._domainkey.example.test", c[0]);
            DkimOutcome o = one(prepend(DkimSigner.sign(MESSAGE, rsa, T), MESSAGE));
            assertThat(o.result()).as(c[0]).isEqualTo(DkimResult.PERMERROR);
            assertThat(o.reason()).as(c[0]).contains(c[1]);
        }
        // an ed25519 signature checked against an RSA key record
        dns.remove("ed._domainkey.example.test").txt("ed._domainkey.example.test", rsa.txtRecord());
        assertThat(one(prepend(DkimSigner.sign(MESSAGE, ed, T), MESSAGE)).reason())
                .isEqualTo("key type k=rsa does not match a=ed25519-sha256");
    }

    @Test
    void aThousandSignaturesCostTenKeyLookupsAndLittleTime() throws Exception {
        StringBuilder sigs = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sigs.append("DKIM-Signature: v=1; a=ed25519-sha256; d=d").append(i).append(".example.test; s=s")
                    .append(i).append("; h=from; bh=AAAA; b=AAAA\r\n");
        }
        long start = System.nanoTime();
        List<DkimOutcome> out = verify(prepend(sigs.toString(), MESSAGE));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(out).hasSize(1000);
        assertThat(out.subList(0, 10)).allSatisfy(o -> assertThat(o.result()).isEqualTo(DkimResult.PERMERROR));
        assertThat(out.subList(10, 1000)).allSatisfy(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.NEUTRAL);
            assertThat(o.reason()).isEqualTo("too many signatures: only the first 10 of 1000 are verified");
        });
        assertThat(out.get(999).domain()).isEqualTo("d999.example.test");
        assertThat(dns.queries).hasSize(10);
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anAbsurdlyLongHeaderIsAPermanentErrorAndReadNoFurther() throws Exception {
        byte[] head = prepend(DkimSigner.sign(MESSAGE, rsa, T), bytes("Subject: "));
        InputStream endless = new InputStream() { // 1 GiB of one header field: read only to the bound
            long left = 1L << 30;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = (int) Math.min(len, left);
                if (n <= 0) {
                    return -1;
                }
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                left -= n;
                return n;
            }
        };
        long start = System.nanoTime();
        List<DkimOutcome> out = verifier.verify(new SequenceInputStream(new ByteArrayInputStream(head), endless));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.PERMERROR);
            assertThat(o.reason()).contains("header section exceeds");
            assertThat(o.domain()).isEqualTo("example.test");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void aHugeBodyStreamsThrough() throws Exception {
        // 64 MiB body, never held: the signature (l=0 keeps the test signer cheap) and the hash both stream
        String sig = sign(rsa, "v=1; a=rsa-sha256; d=example.test; s=rsa; h=from; l=0");
        InputStream big = new SequenceInputStream(new ByteArrayInputStream(prepend(sig, MESSAGE)),
                new ByteArrayInputStream(new byte[0]) {
                    long left = 64L << 20;

                    @Override
                    public synchronized int read(byte[] b, int off, int len) {
                        int n = (int) Math.min(len, left);
                        if (n <= 0) {
                            return -1;
                        }
                        for (int i = 0; i < n; i++) {
                            b[off + i] = (byte) (i % 80 == 79 ? '\n' : 'a');
                        }
                        left -= n;
                        return n;
                    }
                });
        assertThat(verifier.verify(big)).singleElement().satisfies(o -> {
            assertThat(o.result()).isEqualTo(DkimResult.PASS);
            assertThat(o.bodyPartlyCovered()).isTrue();
        });
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
