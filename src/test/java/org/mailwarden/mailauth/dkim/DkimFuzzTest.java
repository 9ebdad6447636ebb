package org.mailwarden.mailauth.dkim;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.arc.ArcResult;
import org.mailwarden.mailauth.arc.ArcSealer;
import org.mailwarden.mailauth.arc.ArcVerifier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * 1,000 signed and sealed messages with random octets changed, inserted or deleted (and random key records): verifying
 * never throws, and gives at most one outcome per DKIM-Signature field.
 */
class DkimFuzzTest {

    @Test
    void mutatedMessagesNeverThrow() throws Exception {
        Path keys = Path.of("src/test/resources/dkim");
        DkimKey rsa = DkimKey.load(keys.resolve("rsa1024.pem"), "example.test", "rsa");
        DkimKey ed = DkimKey.load(keys.resolve("ed25519.pem"), "example.test", "ed");
        Random r = new Random(6376);
        String[] junkRecords = {"v=DKIM1; p=", "p=;;", "v=DKIM1; k=ed25519; p=AAAA", "", "=;=", "v=DKIM1; t=y:s; p="
                + rsa.publicKeyBase64().substring(0, 50)};
        Map<String, String> recs = Map.of("rsa._domainkey.example.test", rsa.txtRecord(), "ed._domainkey.example.test",
                ed.txtRecord());
        TxtLookup lookup = name -> r.nextInt(10) == 0
                ? new DnsResolver.Answer.Found<>(List.of(junkRecords[r.nextInt(junkRecords.length)]))
                : recs.containsKey(name) ? new DnsResolver.Answer.Found<>(List.of(recs.get(name)))
                : new DnsResolver.Answer.NoSuchDomain<>();
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_796_191_260L), ZoneOffset.UTC);
        DkimVerifier dkim = new DkimVerifier(lookup, clock);
        ArcVerifier arc = new ArcVerifier(lookup, clock);
        byte[] base = TestSigner.bytes("""
                From: Alice <alice@example.test>
                To: bob@remote.test
                Subject: fuzz
                Authentication-Results: example.test; spf=pass

                body line one
                  two\t
                """);
        Instant t = Instant.ofEpochSecond(1_796_191_200L);
        String sigs = String.join("", DkimSigner.sign(new ByteArrayInputStream(base), List.of(rsa, ed), t));
        byte[] signed = TestSigner.prepend(sigs, base);
        ArcSealer.Seal seal = new ArcSealer(arc).seal(new ByteArrayInputStream(signed), "example.test",
                "spf=pass", rsa, t);
        StringBuilder arcFields = new StringBuilder();
        for (var f : ((ArcSealer.Seal.Sealed) seal).fields()) {
            arcFields.append(new String(f.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        byte[] sealed = TestSigner.prepend(arcFields.toString(), signed);
        assertThat(dkim.verify(new ByteArrayInputStream(sealed))).extracting(DkimOutcome::result)
                .doesNotContain(DkimResult.FAIL, DkimResult.TEMPERROR);
        byte[] alphabet = " \t\r\n;=:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/@.-_\u00ff\u0000"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 1000; round++) {
            byte[] m = sealed.clone();
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = r.nextInt(m.length);
                byte c = alphabet[r.nextInt(alphabet.length)];
                switch (r.nextInt(3)) {
                    case 0 -> m[at] = c;
                    case 1 -> m = splice(m, at, 0, c);
                    default -> m = splice(m, at, 1, (byte) -1);
                }
            }
            byte[] msg = m;
            assertThatCode(() -> {
                List<DkimOutcome> out = dkim.verify(new ByteArrayInputStream(msg));
                assertThat(out.size()).isLessThanOrEqualTo(4);
                ArcOutcome a = arc.verify(new ByteArrayInputStream(msg));
                assertThat(a.result()).isIn(ArcResult.NONE, ArcResult.PASS, ArcResult.FAIL);
            }).as("round %d", round).doesNotThrowAnyException();
        }
    }

    private static byte[] splice(byte[] m, int at, int delete, byte insert) {
        if (delete == 1) {
            byte[] out = new byte[m.length - 1];
            System.arraycopy(m, 0, out, 0, at);
            System.arraycopy(m, at + 1, out, at, m.length - at - 1);
            return out;
        }
        byte[] out = new byte[m.length + 1];
        System.arraycopy(m, 0, out, 0, at);
        out[at] = insert;
        System.arraycopy(m, at, out, at + 1, m.length - at);
        return out;
    }
}
