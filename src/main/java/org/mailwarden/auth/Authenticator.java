package org.mailwarden.auth;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.mailwarden.directory.Account;
import org.mailwarden.directory.Directory;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.Connection;
import org.mailwarden.gate.LoginDecision;

/**
 * The one login check every protocol uses: the gate first (bans, access lists, the account's networks), then
 * the password; a failure waits {@code failureDelay} and emits a typed AuthFailure, a success an AuthSuccess.
 * Protocols only turn the result into their own reply.
 */
public final class Authenticator {

    public sealed interface Result {
        record Success(Account account) implements Result {}

        /** {@code temporary}: the gate refused for now (answer with a temporary failure, e.g. 454 4.7.0). */
        record Failure(String reason, boolean temporary) implements Result {}
    }

    private final Directory directory;
    private final EventBus events;
    private final Duration failureDelay;

    public Authenticator(Directory directory, EventBus events, Duration failureDelay) {
        this.directory = directory;
        this.events = events;
        this.failureDelay = failureDelay;
    }

    /** Checks {@code user}/{@code password} for a login on {@code conn}; the password array is wiped. */
    public Result login(Connection conn, String user, char[] password, String mechanism) {
        try {
            if (conn.checkLogin(user) instanceof LoginDecision.Deny(String reason, boolean temporary)) {
                return fail(conn, user, mechanism, reason, temporary);
            }
            Optional<Account> account = directory.authenticate(user, password);
            if (account.isEmpty()) {
                return fail(conn, user, mechanism, "bad-credentials", false);
            }
            events.emit(new Event.AuthSuccess(conn.origin(), conn.id(), account.get().address(), mechanism));
            return new Result.Success(account.get());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** A login refused before any password check (e.g. a PLAIN authzid naming someone else). */
    public Result refuse(Connection conn, String user, char[] password, String mechanism, String reason) {
        Arrays.fill(password, '\0');
        return fail(conn, user, mechanism, reason, false);
    }

    private Result fail(Connection conn, String user, String mechanism, String reason, boolean temporary) {
        try {
            Thread.sleep(failureDelay); // on the connection's virtual thread: waiting costs nothing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.emit(new Event.AuthFailure(conn.origin(), conn.id(), user, mechanism, reason));
        return new Result.Failure(reason, temporary);
    }
}
