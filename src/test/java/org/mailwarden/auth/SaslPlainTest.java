package org.mailwarden.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SaslPlainTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesTheThreeFieldsAndWipesTheInput() {
        byte[] msg = bytes("\0alice@example.test\0pässwörd");
        SaslPlain p = SaslPlain.parse(msg);
        assertThat(p.authzid()).isEmpty();
        assertThat(p.authcid()).isEqualTo("alice@example.test");
        assertThat(new String(p.password())).isEqualTo("pässwörd");
        assertThat(p.authzidMismatch()).isFalse();
        assertThat(msg).containsOnly((byte) 0);
    }

    @Test
    void anAuthzidOtherThanTheLoginIsAMismatch() {
        assertThat(SaslPlain.parse(bytes("bob@example.test\0alice@example.test\0pw")).authzidMismatch()).isTrue();
        assertThat(SaslPlain.parse(bytes("ALICE@example.test\0alice@example.test\0pw")).authzidMismatch()).isFalse();
    }

    @Test
    void malformedMessagesAndBase64() {
        assertThat(SaslPlain.parse(bytes("alice@example.test\0pw"))).isNull();
        assertThat(SaslPlain.parse(new byte[0])).isNull();
        assertThat(SaslPlain.decodeBase64("=")).isEmpty();
        assertThat(SaslPlain.decodeBase64(" AGEAYg== ")).isEqualTo(bytes("\0a\0b"));
        assertThatThrownBy(() -> SaslPlain.decodeBase64("!!")).isInstanceOf(IllegalArgumentException.class);
    }
}
