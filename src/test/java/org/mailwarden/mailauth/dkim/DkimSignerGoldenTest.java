package org.mailwarden.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streaming signer's output is octet for octet what the signer gave before it streamed (the golden files were
 * written by the byte[] signer, with the fixed test keys): RSA PKCS#1 v1.5 and Ed25519 are deterministic.
 */
class DkimSignerGoldenTest {

    static final Path DIR = Path.of("src/test/resources/dkim");
    static final Instant T = Instant.ofEpochSecond(1_796_191_200L);

    @Test
    void streamingSignerGivesTheSameSignaturesAsBefore() throws Exception {
        DkimKey rsa = DkimKey.load(DIR.resolve("rsa2048.pem"), "example.test", "rsa");
        DkimKey ed = DkimKey.load(DIR.resolve("ed25519.pem"), "example.test", "ed");
        for (Map.Entry<String, byte[]> e : SignerGoldenMessages.all().entrySet()) {
            String golden = Files.readString(DIR.resolve("golden-" + e.getKey() + ".txt"), StandardCharsets.ISO_8859_1);
            List<String> sigs = DkimSigner.sign(new ByteArrayInputStream(e.getValue()), List.of(rsa, ed), T);
            assertThat(String.join("", sigs)).as(e.getKey()).isEqualTo(golden);
            assertThat(DkimSigner.sign(e.getValue(), rsa, T) + DkimSigner.sign(e.getValue(), ed, T)).as(e.getKey())
                    .isEqualTo(golden);
        }
    }
}
