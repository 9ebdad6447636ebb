package org.mailwarden.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The mechanisms' state machines, as every protocol's exchange drives them. */
class SaslMechanismTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mechanismsAreFoundInAnyCaseAndOnlyTheOfferedOnes() {
        assertThat(SaslMechanism.start("plain")).get().extracting(SaslMechanism::name).isEqualTo("PLAIN");
        assertThat(SaslMechanism.start("Login")).get().extracting(SaslMechanism::name).isEqualTo("LOGIN");
        assertThat(SaslMechanism.start("CRAM-MD5")).isEmpty();
        assertThat(SaslMechanism.NAMES).containsExactly("PLAIN", "LOGIN");
    }

    @Test
    void plainAsksWithAnEmptyChallengeThenVerifiesOrRefusesAProxyLogin() {
        SaslMechanism plain = SaslMechanism.start("PLAIN").orElseThrow();
        assertThat(plain.respond(null)).isInstanceOfSatisfying(SaslStep.Challenge.class,
                c -> assertThat(c.data()).isEmpty());
        assertThat(plain.respond(bytes("\0alice@example.test\0pw"))).isInstanceOfSatisfying(SaslStep.Verify.class,
                v -> {
                    assertThat(v.user()).isEqualTo("alice@example.test");
                    assertThat(new String(v.password())).isEqualTo("pw");
                });
        assertThat(SaslMechanism.start("PLAIN").orElseThrow().respond(bytes("bob@example.test\0alice@example.test\0pw")))
                .isInstanceOfSatisfying(SaslStep.Refuse.class, r -> {
                    assertThat(r.user()).isEqualTo("alice@example.test");
                    assertThat(r.reason()).isEqualTo("authzid-mismatch");
                });
        assertThat(SaslMechanism.start("PLAIN").orElseThrow().respond(bytes("no separators")))
                .isInstanceOf(SaslStep.Malformed.class);
    }

    @Test
    void loginPromptsForTheUserThenThePasswordAndTakesTheUserAsInitialResponse() {
        SaslMechanism login = SaslMechanism.start("LOGIN").orElseThrow();
        assertThat(login.respond(null)).isInstanceOfSatisfying(SaslStep.Challenge.class,
                c -> assertThat(new String(c.data(), StandardCharsets.US_ASCII)).isEqualTo("Username:"));
        assertThat(login.respond(bytes("alice@example.test"))).isInstanceOfSatisfying(SaslStep.Challenge.class,
                c -> assertThat(new String(c.data(), StandardCharsets.US_ASCII)).isEqualTo("Password:"));
        byte[] password = bytes("pässwörd");
        assertThat(login.respond(password)).isInstanceOfSatisfying(SaslStep.Verify.class, v -> {
            assertThat(v.user()).isEqualTo("alice@example.test");
            assertThat(new String(v.password())).isEqualTo("pässwörd");
        });
        assertThat(password).containsOnly((byte) 0); // wiped once used

        SaslMechanism initial = SaslMechanism.start("LOGIN").orElseThrow();
        assertThat(initial.respond(bytes("alice@example.test"))).isInstanceOfSatisfying(SaslStep.Challenge.class,
                c -> assertThat(new String(c.data(), StandardCharsets.US_ASCII)).isEqualTo("Password:"));
    }
}
