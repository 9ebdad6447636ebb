package org.mailwarden.mailauth.arc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.delivery.HeaderField;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestDns;

/**
 * Interoperability with Debian's dkimpy (python3-dkim): chains it seals (one hop and two hops; dkimpy seals with
 * rsa-sha256 only) validate in ArcVerifier with keys from TestDns; Mailwarden's seals (alone, and on top of a dkimpy chain;
 * rsa-sha256, as dkimpy's ARC knows no other algorithm) validate in dkimpy's arc_verify, which is handed the key records (no network).
 */
class ArcInteropTest {

    static final Path KEYS = Path.of("src/test/resources/dkim").toAbsolutePath();
    static final String PYTHON = "/usr/bin/python3";
    static final String MESSAGE = """
            Authentication-Results: lists.test; spf=pass smtp.mailfrom=example.test
            From: Alice <alice@example.test>
            To: list@lists.test
            Subject: An ARC interop test
            Date: Wed, 02 Dec 2026 06:00:00 +0000
            Message-ID: <arc-interop@example.test>

            Hello  list.\t
            """.replace("\n", "\r\n");

    @TempDir
    Path dir;

    DkimKey lists;
    DkimKey fwd;
    DkimKey hop;
    String keysPy;

    @BeforeEach
    void keys() throws Exception {
        lists = DkimKey.load(KEYS.resolve("rsa2048.pem"), "lists.test", "arc");
        fwd = DkimKey.load(KEYS.resolve("rsa2048.pem"), "forward.test", "fwd");
        hop = DkimKey.load(KEYS.resolve("rsa1024.pem"), "hop.test", "hop");
        keysPy = "{b'arc._domainkey.lists.test.': b'" + lists.txtRecord() + "', b'fwd._domainkey.forward.test.': b'"
                + fwd.txtRecord() + "', b'hop._domainkey.hop.test.': b'" + hop.txtRecord() + "'}";
    }

    /** dkimpy seals lists.test, then, with "arc=pass" in hop 2's results, hop.test (dkimpy seals with RSA only). */
    private String dkimpyChain() throws Exception {
        Files.writeString(dir.resolve("m.eml"), MESSAGE, StandardCharsets.ISO_8859_1);
        String script = """
                import dkim
                msg = open('%1$s/m.eml', 'rb').read()
                rsa = open('%2$s/rsa2048-pkcs1.pem', 'rb').read()
                rsa2 = open('%2$s/rsa1024-pkcs1.pem', 'rb').read()
                hs = [b'from', b'to', b'subject', b'date', b'message-id']
                one = b''.join(dkim.arc_sign(msg, b'arc', b'lists.test', rsa, b'lists.test', include_headers=hs)) + msg
                open('%1$s/one.eml', 'wb').write(one)
                hop2 = b'Authentication-Results: forward.test; arc=pass\\r\\n' + one
                two = b''.join(dkim.arc_sign(hop2, b'hop', b'hop.test', rsa2, b'forward.test',
                                             include_headers=hs)) + hop2
                open('%1$s/two.eml', 'wb').write(two)
                keys = %3$s
                dnsfunc = lambda name, timeout=5: keys.get(name if name.endswith(b'.') else name + b'.')
                print('self-check', dkim.arc_verify(two, dnsfunc=dnsfunc)[0])
                """.formatted(dir, KEYS, keysPy);
        Processes.Result r = Processes.run(List.of(PYTHON, "-c", script), null, 60);
        assertThat(r.output()).as(r.output()).contains("self-check b'pass'");
        return Files.readString(dir.resolve("two.eml"), StandardCharsets.ISO_8859_1);
    }

    @Test
    void dkimpyChainsValidateInMailwarden() throws Exception {
        String two = dkimpyChain();
        String one = Files.readString(dir.resolve("one.eml"), StandardCharsets.ISO_8859_1);
        try (TestDns dns = new TestDns()) {
            dns.txt("arc._domainkey.lists.test", lists.txtRecord());
            dns.txt("fwd._domainkey.forward.test", fwd.txtRecord());
            dns.txt("hop._domainkey.hop.test", hop.txtRecord());
            ArcVerifier v = new ArcVerifier(TxtLookup.of(new DnsResolver(dns.server(), Duration.ofSeconds(2))),
                    Clock.systemUTC());
            assertThat(v.verify(in(one))).isEqualTo(new ArcOutcome(ArcResult.PASS, 1, List.of("lists.test"), null));
            assertThat(v.verify(in(two))).isEqualTo(new ArcOutcome(ArcResult.PASS, 2,
                    List.of("lists.test", "hop.test"), null));
            assertThat(v.verify(in(two.replace("Hello  list.", "Hello list!"))).result()).isEqualTo(ArcResult.FAIL);
            assertThat(v.verify(in(two.replace("i=1; lists.test; spf=pass", "i=1; lists.test; spf=fail")))
                    .reason()).isEqualTo("ARC-Seal i=2: signature did not verify");

            // Mailwarden seals on top of dkimpy's two-hop chain: instance 3, cv=pass
            ArcSealer sealer = new ArcSealer(v);
            ArcSealer.Seal s = sealer.seal(in(two), "mx.forward.test", "mx.forward.test; arc=pass", fwd,
                    Instant.now());
            Files.writeString(dir.resolve("three.eml"), prepend(s, two), StandardCharsets.ISO_8859_1);
            // and on the bare message: instance 1, cv=none
            Files.writeString(dir.resolve("mine.eml"), prepend(sealer.seal(in(MESSAGE), "mx.lists.test",
                    "spf=pass smtp.mailfrom=example.test", lists, Instant.now()), MESSAGE), StandardCharsets.ISO_8859_1);
        }
        String script = """
                import dkim
                keys = %s
                dnsfunc = lambda name, timeout=5: keys.get(name if name.endswith(b'.') else name + b'.')
                for n in ('mine', 'three'):
                    cv, results, comment = dkim.arc_verify(open('%s/' + n + '.eml', 'rb').read(), dnsfunc=dnsfunc)
                    print(n, cv.decode(), len(results), comment)
                """.formatted(keysPy, dir);
        Processes.Result r = Processes.run(List.of(PYTHON, "-c", script), null, 60);
        assertThat(r.output()).as(r.output()).contains("mine pass 1 success").contains("three pass 3 success");
    }

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String prepend(ArcSealer.Seal s, String message) {
        assertThat(s).isInstanceOf(ArcSealer.Seal.Sealed.class);
        StringBuilder sb = new StringBuilder();
        for (HeaderField f : ((ArcSealer.Seal.Sealed) s).fields()) {
            sb.append(new String(f.bytes(), StandardCharsets.ISO_8859_1));
        }
        return sb + message;
    }
}
