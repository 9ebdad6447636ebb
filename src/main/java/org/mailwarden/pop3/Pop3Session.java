package org.mailwarden.pop3;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.auth.SaslChannel;
import org.mailwarden.auth.SaslExchange;
import org.mailwarden.auth.SaslMechanism;
import org.mailwarden.directory.Account;
import org.mailwarden.events.Event;
import org.mailwarden.gate.Connection;
import org.mailwarden.gate.LineInput;
import org.mailwarden.store.Mailboxes;

/**
 * One POP3 connection, on the connection's virtual thread: the AUTHORIZATION state until a login opens the
 * maildrop, then TRANSACTION, and UPDATE at QUIT (RFC 1939 3). Passwords only over TLS (995, or 110 after STLS).
 * Replies are buffered and flushed when the session is about to wait for the client (RFC 2449 PIPELINING).
 */
final class Pop3Session {

    private static final int IN_BUFFER = 4 * 1024;
    private static final int OUT_BUFFER = 8 * 1024;
    /** The stages the timeout event names: from the greeting to the login, and each command line after it. */
    private static final String LOGIN = "login";
    private static final String COMMAND = "command";

    private final Pop3Server server;
    private final Connection conn;
    private final Event.Origin origin;
    private final LineInput input;
    private final LineInput.Line line = new LineInput.Line();
    private final byte[] lineBuf;
    private final long discardCap;
    private OutputStream out;

    private String pendingUser;
    /** Set once logged in with the maildrop open and locked: the TRANSACTION state. */
    private Maildrop maildrop;
    private String lockedAccount;
    private int badCommands;
    private int authFailures;
    private boolean closing;
    private String closeReason = "quit";

    Pop3Session(Pop3Server server, Connection conn) throws IOException {
        this.server = server;
        this.conn = conn;
        this.origin = conn.origin();
        this.lineBuf = new byte[server.config.maxLineLength()];
        this.discardCap = 64L * server.config.maxLineLength();
        this.out = new BufferedOutputStream(conn.output(), OUT_BUFFER);
        this.input = new LineInput(conn.input(), IN_BUFFER, this::flush);
    }

    void run() throws IOException {
        server.events.emit(new Event.ConnectionOpened(origin, conn.id()));
        // pop3.login-timeout counts from the greeting, in total (STLS included); then each command has its own
        conn.deadline(Connection.Deadline.in(LOGIN, server.config.loginTimeout()));
        try {
            send(Pop3Reply.ok(server.hostname + " Mailwarden POP3 ready."));
            while (!closing && next()) {
                if (line.overflow) {
                    bad(Pop3Reply.LINE_TOO_LONG, "line-too-long");
                    continue;
                }
                execute(Pop3Command.parse(text()));
            }
        } catch (SocketTimeoutException e) {
            String stage = e instanceof Connection.StageTimeout t ? t.stage() : maildrop == null ? LOGIN : COMMAND;
            server.events.emit(new Event.Timeout(origin, conn.id(), stage));
            sendQuietly(stage.equals(LOGIN) ? Pop3Reply.LOGIN_TIMEOUT : Pop3Reply.IDLE_TIMEOUT);
            closeReason = "timeout";
        } catch (UncheckedIOException e) {
            closeReason = "io-error";
        } finally {
            releaseMaildrop(); // without the UPDATE state: a dropped connection deletes nothing (RFC 1939 6)
            sendQuietly(null);
            server.events.emit(new Event.ConnectionClosed(origin, conn.id(), closeReason));
        }
    }

    // ---- input and output --------------------------------------------------------------------------------

    /**
     * Reads the next line into {@link #line}; false when the session ends there (end of stream, or a line so long
     * that it is an attack, answered here). An over-long line comes back with {@code line.overflow} set.
     */
    private boolean next() throws IOException {
        if (!readLine()) {
            closeReason = "client-closed";
            closing = true;
            return false;
        }
        if (line.abusive) {
            server.events.emit(new Event.ProtocolError(origin, conn.id(), 0, "line-too-long-abuse"));
            send(Pop3Reply.LINE_TOO_LONG);
            closeReason = "line-too-long";
            closing = true;
            return false;
        }
        return true;
    }

    /**
     * Reads a line through the connection's stage deadline: the login's, or after the login the command timeout
     * ({@code pop3.idle-timeout}, RFC 1939 3's autologout timer), within which the whole line must come however
     * its bytes trickle in.
     */
    private boolean readLine() throws IOException {
        if (maildrop == null) {
            return input.readLine(line, lineBuf, discardCap);
        }
        conn.deadline(Connection.Deadline.in(COMMAND, server.config.idleTimeout()));
        try {
            return input.readLine(line, lineBuf, discardCap);
        } finally {
            conn.noDeadline();
        }
    }

    /** The line just read, without its line end. */
    private String text() {
        int n = line.stored;
        if (n > 0 && lineBuf[n - 1] == '\n') {
            n--;
        }
        if (n > 0 && lineBuf[n - 1] == '\r') {
            n--;
        }
        return new String(lineBuf, 0, n, StandardCharsets.UTF_8);
    }

    private void send(Pop3Reply reply) throws IOException {
        out.write(reply.bytes());
    }

    /** One line of a multi-line response (none of ours starts with '.'), or its final ".". */
    private void sendLine(String s) throws IOException {
        out.write((s + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code reply} (if not null) and flushes, ignoring a client that is gone. */
    private void sendQuietly(Pop3Reply reply) {
        try {
            if (reply != null) {
                send(reply);
            }
            out.flush();
        } catch (IOException | UncheckedIOException ignored) {
            // the client is gone
        }
    }

    /** Before the input blocks: the replies due go out (pipelined commands are answered together). */
    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An unknown, malformed or out-of-place command: -ERR, an event, and too many end the session. */
    private void bad(Pop3Reply reply, String reason) throws IOException {
        send(reply);
        server.events.emit(new Event.ProtocolError(origin, conn.id(), 0, reason));
        if (++badCommands >= server.config.maxBadCommands()) {
            server.events.emit(new Event.TooManyErrors(origin, conn.id(), badCommands));
            send(Pop3Reply.TOO_MANY_BAD_COMMANDS);
            closeReason = "too-many-errors";
            closing = true;
        }
    }

    // ---- dispatch ----------------------------------------------------------------------------------------

    private void execute(Pop3Command command) throws IOException {
        try {
            if (maildrop == null) {
                authorization(command);
            } else {
                transaction(command);
            }
        } catch (SocketException | SocketTimeoutException | SSLException | UncheckedIOException e) {
            throw e; // the connection, not the store
        } catch (IOException e) {
            server.events.emit(new Event.StoreFailure(origin, conn.id(), e.toString()));
            send(Pop3Reply.INTERNAL_ERROR);
        }
    }

    private void authorization(Pop3Command command) throws IOException {
        switch (command) {
            case Pop3Command.Capa() -> capa();
            case Pop3Command.Stls() -> stls();
            case Pop3Command.User(String name) -> user(name);
            case Pop3Command.Pass(String password) -> pass(password);
            case Pop3Command.Auth a -> auth(a);
            case Pop3Command.Quit() -> {
                send(Pop3Reply.LOGGING_OUT);
                closing = true;
            }
            case Pop3Command.Invalid(String message) -> bad(Pop3Reply.err(message), "syntax");
            case Pop3Command.Unknown(String verb) -> bad(Pop3Reply.err("Unknown command: " + verb), "unknown-command");
            case Pop3Command.Stat _, Pop3Command.ListMessages _, Pop3Command.Uidl _, Pop3Command.Top _,
                    Pop3Command.Retr _, Pop3Command.Dele _, Pop3Command.Rset _, Pop3Command.Noop _ ->
                    bad(Pop3Reply.LOG_IN_FIRST, "bad-state");
        }
    }

    private void transaction(Pop3Command command) throws IOException {
        switch (command) {
            case Pop3Command.Capa() -> capa();
            case Pop3Command.Stat() -> send(Pop3Reply.ok(maildrop.live() + " " + maildrop.liveSize()));
            case Pop3Command.ListMessages(Integer n) -> list(n);
            case Pop3Command.Uidl(Integer n) -> uidl(n);
            case Pop3Command.Top(int n, long lines) -> retrieve(n, lines);
            case Pop3Command.Retr(int n) -> retrieve(n, -1);
            case Pop3Command.Dele(int n) -> {
                Pop3Reply refusal = refusal(n);
                if (refusal == null) {
                    maildrop.delete(n);
                }
                send(refusal != null ? refusal : Pop3Reply.MARKED_DELETED);
            }
            case Pop3Command.Rset() -> {
                maildrop.reset();
                send(Pop3Reply.ok("Maildrop has " + maildrop.live() + " messages (" + maildrop.liveSize()
                        + " octets)."));
            }
            case Pop3Command.Noop() -> send(Pop3Reply.DONE);
            case Pop3Command.Quit() -> update();
            case Pop3Command.Invalid(String message) -> bad(Pop3Reply.err(message), "syntax");
            case Pop3Command.Unknown(String verb) -> bad(Pop3Reply.err("Unknown command: " + verb), "unknown-command");
            case Pop3Command.Stls _, Pop3Command.User _, Pop3Command.Pass _, Pop3Command.Auth _ ->
                    bad(Pop3Reply.ALREADY_LOGGED_IN, "bad-state");
        }
    }

    private void capa() throws IOException {
        send(Pop3Reply.CAPABILITIES);
        List<String> caps = new ArrayList<>(List.of("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"));
        if (maildrop == null) {
            if (conn.isTls()) {
                caps.add("USER");
                caps.add("SASL " + String.join(" ", SaslMechanism.NAMES));
            } else if (server.tls != null) {
                caps.add("STLS"); // no USER, no SASL in clear text (RFC 2595 4: they are not advertised)
            }
        }
        caps.add("IMPLEMENTATION Mailwarden");
        for (String cap : caps) {
            sendLine(cap);
        }
        sendLine(".");
    }

    // ---- AUTHORIZATION -------------------------------------------------------------------------------------

    private void stls() throws IOException {
        if (conn.isTls()) {
            bad(Pop3Reply.TLS_ACTIVE, "bad-sequence");
            return;
        }
        if (server.tls == null) {
            send(Pop3Reply.TLS_UNAVAILABLE);
            return;
        }
        send(Pop3Reply.BEGIN_TLS);
        out.flush();
        // what was pipelined after STLS came in clear text: input.reset drops it (CVE-2011-0411)
        SSLSocket ssl = conn.startTls(server.tls, input.buffered() > 0, server.events);
        if (ssl == null) {
            closeReason = "tls-failure";
            closing = true;
            return;
        }
        input.reset(conn.input());
        out = new BufferedOutputStream(conn.output(), OUT_BUFFER);
        pendingUser = null;
    }

    private void user(String name) throws IOException {
        if (!conn.isTls()) {
            send(Pop3Reply.PLAINTEXT_DISALLOWED);
            return;
        }
        pendingUser = name;
        send(Pop3Reply.USER_ACCEPTED);
    }

    private void pass(String password) throws IOException {
        if (!conn.isTls()) {
            send(Pop3Reply.PLAINTEXT_DISALLOWED);
            return;
        }
        if (pendingUser == null) {
            bad(Pop3Reply.NO_USER, "bad-sequence");
            return;
        }
        String user = pendingUser;
        pendingUser = null;
        login(user, password.toCharArray(), "USER");
    }

    /** AUTH (RFC 5034): PLAIN and LOGIN, with or without an initial response; a bare AUTH lists them. */
    private void auth(Pop3Command.Auth a) throws IOException {
        if (!conn.isTls()) {
            send(Pop3Reply.PLAINTEXT_DISALLOWED);
            return;
        }
        if (a.mechanism() == null) {
            send(Pop3Reply.MECHANISMS);
            for (String name : SaslMechanism.NAMES) {
                sendLine(name);
            }
            sendLine(".");
            return;
        }
        Optional<SaslMechanism> mechanism = SaslMechanism.start(a.mechanism());
        if (mechanism.isEmpty()) {
            send(Pop3Reply.AUTH_UNSUPPORTED);
            return;
        }
        switch (SaslExchange.run(server.auth, conn, mechanism.get(), a.initial(), saslChannel)) {
            case SaslExchange.Outcome.Success(Account account) -> openMaildrop(account.address());
            case SaslExchange.Outcome.Rejected(Authenticator.Result.Failure f) -> failed(f);
            case SaslExchange.Outcome.Cancelled() -> send(Pop3Reply.AUTH_CANCELLED); // RFC 5034 4: the client gave up
            case SaslExchange.Outcome.BadBase64(), SaslExchange.Outcome.Malformed() ->
                    bad(Pop3Reply.AUTH_MALFORMED, "syntax");
            case SaslExchange.Outcome.TooLong() -> bad(Pop3Reply.LINE_TOO_LONG, "line-too-long");
            case SaslExchange.Outcome.Closed() -> closeReason = "client-closed-in-auth";
        }
    }

    /** SASL over POP3 (RFC 5034 4): a "+ " continuation, the answer on a line of its own. */
    private final SaslChannel saslChannel = new SaslChannel() {
        @Override
        public Answer challenge(String base64) throws IOException {
            sendLine("+ " + base64);
            if (!next()) {
                return new Answer.Closed(); // next() ended the session
            }
            return line.overflow ? new Answer.TooLong() : new Answer.Line(text());
        }

        @Override
        public void beforeCheck() throws IOException {
            out.flush(); // replies already due go out before a failed login's delay
        }
    };

    private void login(String user, char[] password, String mechanism) throws IOException {
        out.flush(); // replies already due go out before a failed login's delay
        switch (server.auth.login(conn, user, password, mechanism)) {
            case Authenticator.Result.Failure f -> failed(f);
            case Authenticator.Result.Success(Account account) -> openMaildrop(account.address());
        }
    }

    /** A failed login (already delayed and reported by the authenticator); too many end the session. */
    private void failed(Authenticator.Result result) throws IOException {
        boolean temporary = result instanceof Authenticator.Result.Failure(_, boolean t) && t;
        if (++authFailures >= server.config.maxAuthFailures()) {
            server.events.emit(new Event.TooManyErrors(origin, conn.id(), authFailures));
            send(Pop3Reply.TOO_MANY_AUTH_FAILURES);
            closeReason = "too-many-auth-failures";
            closing = true;
            return;
        }
        send(temporary ? Pop3Reply.AUTH_TEMPORARY : Pop3Reply.AUTH_FAILED);
    }

    /** After a good password: the maildrop lock (RFC 1939 4), then the INBOX as it is now. */
    private void openMaildrop(String account) throws IOException {
        Mailboxes mailboxes = server.store.mailboxes(account);
        mailboxes.ensureInbox();
        if (!server.lock(account)) {
            send(Pop3Reply.IN_USE);
            return;
        }
        try {
            maildrop = Maildrop.open(mailboxes);
        } catch (IOException | RuntimeException e) {
            server.unlock(account);
            throw e;
        }
        lockedAccount = account;
        conn.noDeadline(); // the login stage is over
        send(Pop3Reply.LOGGED_IN);
    }

    private void releaseMaildrop() {
        if (maildrop != null) {
            maildrop.close();
            maildrop = null;
            server.unlock(lockedAccount);
        }
    }

    // ---- TRANSACTION -------------------------------------------------------------------------------------

    /** Why message {@code n} cannot be used, or null when it can. */
    private Pop3Reply refusal(int n) {
        if (maildrop.isDeleted(n)) {
            return Pop3Reply.MESSAGE_DELETED;
        }
        return maildrop.exists(n) ? null : Pop3Reply.NO_SUCH_MESSAGE;
    }

    private void list(Integer n) throws IOException {
        if (n != null) {
            Pop3Reply refusal = refusal(n);
            send(refusal != null ? refusal : Pop3Reply.ok(n + " " + maildrop.size(n)));
            return;
        }
        send(Pop3Reply.ok(maildrop.live() + " messages (" + maildrop.liveSize() + " octets)"));
        for (int i = 1; i <= maildrop.count(); i++) {
            if (maildrop.exists(i)) {
                sendLine(i + " " + maildrop.size(i));
            }
        }
        sendLine(".");
    }

    private void uidl(Integer n) throws IOException {
        if (n != null) {
            Pop3Reply refusal = refusal(n);
            send(refusal != null ? refusal : Pop3Reply.ok(n + " " + maildrop.uidl(n)));
            return;
        }
        send(Pop3Reply.DONE);
        for (int i = 1; i <= maildrop.count(); i++) {
            if (maildrop.exists(i)) {
                sendLine(i + " " + maildrop.uidl(i));
            }
        }
        sendLine(".");
    }

    /** RETR ({@code lines} negative) or TOP: the message streamed from its file. */
    private void retrieve(int n, long lines) throws IOException {
        Pop3Reply refusal = refusal(n);
        if (refusal != null) {
            send(refusal);
            return;
        }
        Optional<InputStream> file = maildrop.open(n, lines < 0);
        if (file.isEmpty()) {
            send(Pop3Reply.MESSAGE_GONE);
            return;
        }
        try (InputStream in = file.get()) {
            if (lines < 0) {
                send(Pop3Reply.ok(maildrop.size(n) + " octets"));
                MessageBody.write(in, out);
            } else {
                send(Pop3Reply.DONE);
                MessageBody.top(in, out, lines);
            }
        } catch (SocketException | SSLException e) {
            throw e;
        } catch (IOException e) {
            // the file failed half way: the response cannot be finished, so the connection ends without one
            server.events.emit(new Event.StoreFailure(origin, conn.id(), e.toString()));
            closeReason = "store-failure";
            closing = true;
            conn.abort();
        }
    }

    /** QUIT: the UPDATE state (RFC 1939 6), then the end of the session. */
    private void update() throws IOException {
        closing = true;
        try {
            send(maildrop.update() > 0 ? Pop3Reply.LOGGING_OUT_DELETED : Pop3Reply.LOGGING_OUT);
        } catch (IOException e) {
            server.events.emit(new Event.StoreFailure(origin, conn.id(), e.toString()));
            send(Pop3Reply.NOT_ALL_DELETED);
        }
    }
}
