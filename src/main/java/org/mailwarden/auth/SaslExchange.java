package org.mailwarden.auth;

import java.io.IOException;
import java.util.Base64;
import org.mailwarden.directory.Account;
import org.mailwarden.gate.Connection;

/**
 * The one SASL exchange of every protocol: runs a {@link SaslMechanism} over a protocol's {@link SaslChannel}
 * (initial response, challenges, "*" to cancel, "=" for an empty response, base64 errors, over-long answers)
 * and takes the login decision to the {@link Authenticator}. The protocol turns the {@link Outcome} into its reply.
 */
public final class SaslExchange {

    /** How an exchange ended. */
    public sealed interface Outcome {
        /** The authenticator accepted the login (and reported it). */
        record Success(Account account) implements Outcome {}

        /** The authenticator refused the login, after its delay (and reported it). */
        record Rejected(Authenticator.Result.Failure failure) implements Outcome {}

        /** The client sent "*" (RFC 4954 4, RFC 5034 4, RFC 3501 6.2.2). */
        record Cancelled() implements Outcome {}

        /** A response that is not base64. */
        record BadBase64() implements Outcome {}

        /** A response that does not have the mechanism's form (a PLAIN message without its two NULs). */
        record Malformed() implements Outcome {}

        /** An answer longer than the protocol's line limit. */
        record TooLong() implements Outcome {}

        /** The client went away during the exchange (as the channel saw it). */
        record Closed() implements Outcome {}
    }

    private SaslExchange() {}

    /**
     * Runs {@code mechanism} for a login on {@code conn}; {@code initial} is the initial response as sent (base64,
     * "=" for an empty one), null when there was none.
     */
    public static Outcome run(Authenticator auth, Connection conn, SaslMechanism mechanism, String initial,
            SaslChannel channel) throws IOException {
        String response = initial; // null only before the first step: no initial response
        while (true) {
            byte[] decoded = null;
            if (response != null) {
                String r = response.strip();
                if (r.equals("*")) {
                    return new Outcome.Cancelled();
                }
                try {
                    decoded = SaslPlain.decodeBase64(r);
                } catch (IllegalArgumentException e) {
                    return new Outcome.BadBase64();
                }
            }
            switch (mechanism.respond(decoded)) {
                case SaslStep.Challenge(byte[] data) -> {
                    String b64 = Base64.getEncoder().encodeToString(data);
                    switch (channel.challenge(b64)) {
                        case SaslChannel.Answer.Line(String text) -> response = text;
                        case SaslChannel.Answer.TooLong() -> {
                            return new Outcome.TooLong();
                        }
                        case SaslChannel.Answer.Closed() -> {
                            return new Outcome.Closed();
                        }
                    }
                }
                case SaslStep.Verify(String user, char[] password) -> {
                    channel.beforeCheck();
                    return outcome(auth.login(conn, user, password, mechanism.name()));
                }
                case SaslStep.Refuse(String user, char[] password, String reason) -> {
                    channel.beforeCheck();
                    return outcome(auth.refuse(conn, user, password, mechanism.name(), reason));
                }
                case SaslStep.Malformed() -> {
                    return new Outcome.Malformed();
                }
            }
        }
    }

    private static Outcome outcome(Authenticator.Result result) {
        return switch (result) {
            case Authenticator.Result.Success(Account account) -> new Outcome.Success(account);
            case Authenticator.Result.Failure f -> new Outcome.Rejected(f);
        };
    }
}
