package org.mailwarden.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A SASL mechanism's state machine, the same for every protocol (SMTP AUTH, IMAP AUTHENTICATE, POP3 AUTH): each
 * call of {@link #respond} gets the client's next decoded response and says what to do next. One instance per
 * exchange. A new mechanism is written here once and {@link SaslExchange} gives it to every protocol.
 */
public sealed interface SaslMechanism {

    /** The mechanisms offered, in the order the capability lists name them. */
    List<String> NAMES = List.of("PLAIN", "LOGIN");

    /** A fresh exchange of the mechanism called {@code name} (any case); empty when it is not offered. */
    static Optional<SaslMechanism> start(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> Optional.of(new Plain());
            case "LOGIN" -> Optional.of(new Login());
            default -> Optional.empty();
        };
    }

    /** The name events and the authenticator see. */
    String name();

    /**
     * The next step after the client's {@code response} (decoded; wiped here once used), or after no response at
     * all ({@code null}: the client sent no initial response).
     */
    SaslStep respond(byte[] response);

    /** RFC 4616: one message, authzid NUL authcid NUL password, after an empty challenge if not sent at once. */
    final class Plain implements SaslMechanism {
        @Override
        public String name() {
            return "PLAIN";
        }

        @Override
        public SaslStep respond(byte[] response) {
            if (response == null) {
                return new SaslStep.Challenge(new byte[0]);
            }
            SaslPlain plain = SaslPlain.parse(response);
            if (plain == null) {
                return new SaslStep.Malformed();
            }
            return plain.authzidMismatch()
                    ? new SaslStep.Refuse(plain.authcid(), plain.password(), "authzid-mismatch")
                    : new SaslStep.Verify(plain.authcid(), plain.password());
        }
    }

    /** The LOGIN mechanism (draft-murchison-sasl-login): the user name, then the password, each when prompted. */
    final class Login implements SaslMechanism {
        /** The prompts every server sends (the draft has none of its own). */
        private static final byte[] USER_PROMPT = "Username:".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] PASSWORD_PROMPT = "Password:".getBytes(StandardCharsets.US_ASCII);
        private String user;

        @Override
        public String name() {
            return "LOGIN";
        }

        @Override
        public SaslStep respond(byte[] response) {
            if (response == null) {
                return new SaslStep.Challenge(USER_PROMPT.clone());
            }
            if (user == null) {
                user = new String(response, StandardCharsets.UTF_8);
                return new SaslStep.Challenge(PASSWORD_PROMPT.clone());
            }
            char[] password = SaslPlain.chars(response, 0, response.length);
            Arrays.fill(response, (byte) 0);
            return new SaslStep.Verify(user, password);
        }
    }
}
