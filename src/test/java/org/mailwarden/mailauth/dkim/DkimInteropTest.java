package org.mailwarden.mailauth.dkim;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.support.Processes;
import org.mailwarden.support.TestDns;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Interoperability with Debian's dkimpy (python3-dkim, scripts/install-test-tools.sh): its signatures (rsa-sha256 and
 * ed25519-sha256, every canonicalization, with and without l=) verify in Mailwarden, keys from TestDns; Mailwarden's
 * signatures verify in dkimpy, which is given the key records without any network.
 */
class DkimInteropTest {

    static final Path KEYS = Path.of("src/test/resources/dkim").toAbsolutePath();
    static final String PYTHON = "/usr/bin/python3";
    static final byte[] MESSAGE = TestSigner.bytes("""
            From: "Alice Example" <alice@example.test>
            To: bob@remote.test,
            \tcarol@remote.test
            Subject:   An  interop   test\t
            Date: Wed, 02 Dec 2026 06:00:00 +0000
            Message-ID: <interop@example.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            First line   with  spaces\t
              indented line

            .leading dot
            last line



            """);

    @TempDir
    Path dir;

    DkimKey rsa;
    DkimKey ed;

    @BeforeEach
    void keys() throws Exception {
        rsa = DkimKey.load(KEYS.resolve("rsa2048.pem"), "example.test", "rsa");
        ed = DkimKey.load(KEYS.resolve("ed25519.pem"), "example.test", "ed");
    }

    @Test
    void dkimpySignaturesVerifyInMailwarden() throws Exception {
        Files.write(dir.resolve("message.eml"), MESSAGE);
        String script = """
                import dkim
                msg = open('%1$s/message.eml', 'rb').read()
                rsa = open('%2$s/rsa2048-pkcs1.pem', 'rb').read()
                ed = open('%2$s/ed25519.seed.b64', 'rb').read().strip()
                hs = [b'from', b'to', b'subject', b'date', b'message-id']
                for key, sel, alg in ((rsa, b'rsa', b'rsa-sha256'), (ed, b'ed', b'ed25519-sha256')):
                    for hc in (b'simple', b'relaxed'):
                        for bc in (b'simple', b'relaxed'):
                            for length in (False, True):
                                sig = dkim.sign(msg, sel, b'example.test', key, canonicalize=(hc, bc),
                                                signature_algorithm=alg, include_headers=hs, length=length)
                                name = '%%s-%%s-%%s-%%s' %% (sel.decode(), hc.decode(), bc.decode(), length)
                                open('%1$s/' + name + '.eml', 'wb').write(sig + msg)
                                print(name)
                """.formatted(dir, KEYS);
        Processes.Result r = Processes.run(List.of(PYTHON, "-c", script), null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        List<String> names = r.output().lines().toList();
        assertThat(names).hasSize(16);

        try (TestDns dns = new TestDns()) {
            dns.txt("rsa._domainkey.example.test", rsa.txtRecord());
            dns.txt("ed._domainkey.example.test", ed.txtRecord());
            DkimVerifier v = new DkimVerifier(TxtLookup.of(new DnsResolver(dns.server(),
                    java.time.Duration.ofSeconds(2))), Clock.systemUTC());
            for (String name : names) {
                byte[] signed = Files.readAllBytes(dir.resolve(name + ".eml"));
                assertThat(v.verify(new ByteArrayInputStream(signed))).as(name).singleElement()
                        .satisfies(o -> assertThat(o.result()).as(name + " " + o.reason()).isEqualTo(DkimResult.PASS));
                // and a changed body fails each of them
                byte[] changed = new String(signed, java.nio.charset.StandardCharsets.ISO_8859_1)
                        .replace("last line", "Last line").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(v.verify(new ByteArrayInputStream(changed)).getFirst().result()).as(name)
                        .isEqualTo(DkimResult.FAIL);
            }
        }
    }

    @Test
    void mailwardenSignaturesVerifyInDkimpy() throws Exception {
        Instant now = Instant.now();
        String sigs = String.join("", DkimSigner.sign(new ByteArrayInputStream(MESSAGE), List.of(rsa, ed), now));
        Files.write(dir.resolve("signed.eml"), TestSigner.prepend(sigs, MESSAGE));
        String script = """
                import dkim
                keys = {b'rsa._domainkey.example.test.': b'%s', b'ed._domainkey.example.test.': b'%s'}
                def dnsfunc(name, timeout=5):
                    return keys.get(name if name.endswith(b'.') else name + b'.')
                msg = open('%s/signed.eml', 'rb').read()
                d = dkim.DKIM(msg)
                print('sig0', d.verify(idx=0, dnsfunc=dnsfunc))
                print('sig1', d.verify(idx=1, dnsfunc=dnsfunc))
                """.formatted(rsa.txtRecord(), ed.txtRecord(), dir);
        Processes.Result r = Processes.run(List.of(PYTHON, "-c", script), null, 60);
        assertThat(r.output()).contains("sig0 True").contains("sig1 True");
    }
}
