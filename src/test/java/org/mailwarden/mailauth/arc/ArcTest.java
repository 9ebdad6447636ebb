package org.mailwarden.mailauth.arc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailwarden.delivery.HeaderField;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.support.TestDns;

class ArcTest {

    static final Path KEYS = Path.of("src/test/resources/dkim");
    static final Instant T = Instant.ofEpochSecond(1_796_191_200L);
    static final String MESSAGE = """
            From: Alice <alice@example.test>
            To: list@lists.test
            Subject: Hello list
            Date: Wed, 02 Dec 2026 06:00:00 +0000
            Message-ID: <arc@example.test>

            Hello list.
            """.replace("\n", "\r\n");

    TestDns dns;
    ArcVerifier verifier;
    ArcSealer sealer;
    DkimKey lists;
    DkimKey forward;

    @BeforeEach
    void setUp() throws Exception {
        dns = new TestDns();
        // the tests change key records between lookups: the resolver must not cache them
        verifier = new ArcVerifier(TxtLookup.of(new DnsResolver(dns.server(),
                DnsResolver.Options.defaults(Duration.ofSeconds(2)).withMaxEntries(0))),
                Clock.fixed(T.plusSeconds(60), ZoneOffset.UTC));
        sealer = new ArcSealer(verifier);
        lists = DkimKey.load(KEYS.resolve("rsa2048.pem"), "lists.test", "arc");
        forward = DkimKey.load(KEYS.resolve("ed25519.pem"), "forward.test", "fwd");
        dns.txt("arc._domainkey.lists.test", lists.txtRecord());
        dns.txt("fwd._domainkey.forward.test", forward.txtRecord());
    }

    @AfterEach
    void tearDown() throws Exception {
        dns.close();
    }

    ArcOutcome verify(String message) throws IOException {
        return verifier.verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    ArcSealer.Seal sealOf(String message, DkimKey key) throws IOException {
        return sealer.seal(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), key.domain(),
                key.domain() + "; spf=pass smtp.mailfrom=example.test; dkim=none", key, T);
    }

    String seal(String message, DkimKey key) throws IOException {
        ArcSealer.Seal s = sealOf(message, key);
        assertThat(s).isInstanceOf(ArcSealer.Seal.Sealed.class);
        StringBuilder sb = new StringBuilder();
        for (HeaderField f : ((ArcSealer.Seal.Sealed) s).fields()) {
            sb.append(new String(f.bytes(), StandardCharsets.ISO_8859_1));
        }
        return sb + message;
    }

    @Test
    void noArcFieldsIsNone() throws Exception {
        assertThat(verify(MESSAGE)).isEqualTo(ArcOutcome.NONE);
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void oneAndTwoSealsPass() throws Exception {
        ArcSealer.Seal first = sealOf(MESSAGE, lists);
        assertThat(first).isInstanceOfSatisfying(ArcSealer.Seal.Sealed.class, s -> {
            assertThat(s.chain()).isEqualTo(ArcOutcome.NONE);
            assertThat(s.fields()).extracting(HeaderField::name).containsExactly("ARC-Seal", "ARC-Message-Signature",
                    "ARC-Authentication-Results");
            assertThat(s.fields().get(0).value()).startsWith("i=1; a=rsa-sha256; cv=none; d=lists.test; s=arc;");
            assertThat(s.fields().get(2).value())
                    .isEqualTo("i=1; lists.test; spf=pass smtp.mailfrom=example.test; dkim=none");
        });
        String once = seal(MESSAGE, lists);
        assertThat(verify(once)).isEqualTo(new ArcOutcome(ArcResult.PASS, 1, List.of("lists.test"), null));
        String twice = seal(once, forward);
        assertThat(twice).contains("ARC-Seal: i=2; a=ed25519-sha256; cv=pass; d=forward.test");
        assertThat(verify(twice)).isEqualTo(new ArcOutcome(ArcResult.PASS, 2, List.of("lists.test", "forward.test"),
                null));
    }

    @Test
    void changesAfterSealingFail() throws Exception {
        String twice = seal(seal(MESSAGE, lists), forward);
        assertThat(verify(twice.replace("Hello list.", "Hello list!")).reason())
                .isEqualTo("ARC-Message-Signature i=2: body hash did not verify");
        assertThat(verify(twice.replace("Subject: Hello list", "Subject: Hello")).reason())
                .isEqualTo("ARC-Message-Signature i=2: signature did not verify");
        // the first hop's results rewritten: the newest AMS does not cover them, the seals do
        ArcOutcome o = verify(twice.replace("i=1; lists.test; spf=pass", "i=1; lists.test; spf=fail"));
        assertThat(o.result()).isEqualTo(ArcResult.FAIL);
        assertThat(o.reason()).isEqualTo("ARC-Seal i=2: signature did not verify");
        assertThat(o.sealers()).containsExactly("lists.test", "forward.test");
    }

    @Test
    void malformedChainsFail() throws Exception {
        String once = seal(MESSAGE, lists);
        String twice = seal(once, forward);
        dns.queries.clear(); // (sealing validated the chain it sealed)
        String[] lines = once.split("\r\n(?![ \t])");
        String seal1 = lines[0] + "\r\n";
        String ams1 = lines[1] + "\r\n";
        assertThat(verify(once.replace(ams1, "")).reason()).isEqualTo("ARC set 1 is missing or incomplete "
                + "(instances must be 1..1)");
        assertThat(verify(seal1 + once).reason()).isEqualTo("two arc-seal fields for instance 1");
        assertThat(verify(twice.replace("i=2;", "i=3;")).reason()).startsWith("ARC set 2 is missing");
        assertThat(verify(once.replace("cv=none", "cv=pass")).reason()).isEqualTo("ARC-Seal i=1 has cv=pass, not none");
        assertThat(verify(twice.replace("cv=pass", "cv=none")).reason()).isEqualTo("ARC-Seal i=2 has cv=none, not pass");
        assertThat(verify(twice.replace("cv=pass", "cv=fail")).reason()).isEqualTo("ARC-Seal i=2 reports cv=fail");
        assertThat(verify(once.replace("ARC-Seal: i=1;", "ARC-Seal: i=51;")).reason())
                .startsWith("arc-seal without a valid instance");
        assertThat(verify(once.replace("ARC-Seal: i=1;", "ARC-Seal: i=1; i=1;")).reason())
                .isEqualTo("malformed arc-seal: duplicate tag i=");
        assertThat(verify(once.replace("ARC-Authentication-Results: i=1;", "ARC-Authentication-Results: x;"))
                .reason()).startsWith("arc-authentication-results without a valid instance");
        assertThat(dns.queries).isEmpty();
    }

    @Test
    void missingKeyFailsTheChain() throws Exception {
        String once = seal(MESSAGE, lists);
        dns.remove("arc._domainkey.lists.test");
        ArcOutcome o = verify(once);
        assertThat(o.result()).isEqualTo(ArcResult.FAIL);
        assertThat(o.reason()).isEqualTo("ARC-Message-Signature i=1: no key: arc._domainkey.lists.test does not exist");
        dns.servfail("arc._domainkey.lists.test");
        assertThat(verify(once).reason()).contains("temporary: ");
    }

    @Test
    void aBrokenChainIsSealedAsFailedAndThenNoMore() throws Exception {
        String broken = seal(MESSAGE, lists).replace("Hello list.", "Hello, changed list.");
        ArcSealer.Seal s = sealOf(broken, forward);
        assertThat(s).isInstanceOfSatisfying(ArcSealer.Seal.Sealed.class, sealed -> {
            assertThat(sealed.chain().result()).isEqualTo(ArcResult.FAIL);
            assertThat(sealed.fields().getFirst().value()).startsWith("i=2; a=ed25519-sha256; cv=fail;");
        });
        String failed = seal(broken, forward);
        assertThat(verify(failed).reason()).isEqualTo("ARC-Seal i=2 reports cv=fail");
        assertThat(sealOf(failed, lists)).isInstanceOfSatisfying(ArcSealer.Seal.NotSealed.class,
                n -> assertThat(n.reason()).isEqualTo("the chain already failed at instance 2 (cv=fail)"));
    }

    @Test
    void fiftySetsAreTheMost() throws Exception {
        // RSA-1024 (cheap to verify) for the 50 hops: each sealing validates the whole chain before it
        DkimKey hop = DkimKey.load(KEYS.resolve("rsa1024.pem"), "hop.test", "hop");
        dns.txt("hop._domainkey.hop.test", hop.txtRecord());
        String m = MESSAGE;
        for (int i = 1; i <= 50; i++) {
            m = seal(m, hop);
        }
        long start = System.nanoTime();
        assertThat(verify(m)).satisfies(o -> {
            assertThat(o.result()).isEqualTo(ArcResult.PASS);
            assertThat(o.instances()).isEqualTo(50);
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(sealOf(m, hop)).isInstanceOfSatisfying(ArcSealer.Seal.NotSealed.class,
                n -> assertThat(n.reason()).contains("50 ARC sets"));
    }

    @Test
    void authResultsMayOmitTheAuthservId() throws Exception {
        ArcSealer.Seal s = sealer.seal(new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.ISO_8859_1)),
                "mx.forward.test", "", forward, T);
        assertThat(((ArcSealer.Seal.Sealed) s).fields().get(2).value()).isEqualTo("i=1; mx.forward.test; none");
        s = sealer.seal(new ByteArrayInputStream(MESSAGE.getBytes(StandardCharsets.ISO_8859_1)), "mx.forward.test",
                "spf=pass smtp.mailfrom=example.test", forward, T);
        assertThat(((ArcSealer.Seal.Sealed) s).fields().get(2).value())
                .isEqualTo("i=1; mx.forward.test; spf=pass smtp.mailfrom=example.test");
    }
}
