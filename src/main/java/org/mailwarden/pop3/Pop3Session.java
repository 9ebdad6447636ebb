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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.auth.SaslPlain;
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
    /** SASL LOGIN's prompts (RFC 4616 has none; these are what every server sends): "Username:", "Password:". */
    private static final String LOGIN_USER_PROMPT = "VXNlcm5hbWU6";
    private static final String LOGIN_PASSWORD_PROMPT = "UGFzc3dvcmQ6";

    private final Pop3Server server;
    private final Connection conn;
    private final Event.Origin origin;
    private final LineInput input;
    private final LineInput.Line line = new LineInput.Line();
    private final byte[] lineBuf;
    private final long discardCap;
    private OutputStream out;
    /** pop3.login-timeout counts from the greeting, in total. */
    private final long loginDeadline;

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
        this.loginDeadline = System.nanoTime() + server.config.loginTimeout().toNanos();
        this.input = new LineInput(new TimedInput(conn.socket().getInputStream()), IN_BUFFER, this::flush);
    }

    void run() throws IOException {
        server.events.emit(new Event.ConnectionOpened(origin, conn.id()));
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
            server.events.emit(new Event.Timeout(origin, conn.id(), maildrop == null ? "login" : "command"));
            sendQuietly(maildrop == null ? Pop3Reply.LOGIN_TIMEOUT : Pop3Reply.IDLE_TIMEOUT);
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
        if (!input.readLine(line, lineBuf, discardCap)) {
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
                caps.add("SASL PLAIN LOGIN");
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
        input.reset(new TimedInput(ssl.getInputStream()));
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
            sendLine("PLAIN");
            sendLine("LOGIN");
            sendLine(".");
            return;
        }
        switch (a.mechanism()) {
            case "PLAIN" -> {
                byte[] message = a.initial() != null ? decode(a.initial()) : challenge("");
                if (message == null) {
                    return;
                }
                SaslPlain plain = SaslPlain.parse(message);
                if (plain == null) {
                    bad(Pop3Reply.AUTH_MALFORMED, "syntax");
                } else if (plain.authzidMismatch()) {
                    out.flush();
                    failed(server.auth.refuse(conn, plain.authcid(), plain.password(), "PLAIN", "authzid-mismatch"));
                } else {
                    login(plain.authcid(), plain.password(), "PLAIN");
                }
            }
            case "LOGIN" -> {
                byte[] user = a.initial() != null ? decode(a.initial()) : challenge(LOGIN_USER_PROMPT);
                if (user == null) {
                    return;
                }
                byte[] password = challenge(LOGIN_PASSWORD_PROMPT);
                if (password == null) {
                    return;
                }
                char[] chars = SaslPlain.chars(password, 0, password.length);
                Arrays.fill(password, (byte) 0);
                login(new String(user, StandardCharsets.UTF_8), chars, "LOGIN");
            }
            default -> send(Pop3Reply.AUTH_UNSUPPORTED);
        }
    }

    /** Sends a "+ " continuation and reads the client's base64 answer; null (answered) if there is none to use. */
    private byte[] challenge(String prompt) throws IOException {
        sendLine(prompt.isEmpty() ? "+ " : "+ " + prompt);
        if (!next()) {
            closeReason = "client-closed-in-auth";
            return null;
        }
        if (line.overflow) {
            bad(Pop3Reply.LINE_TOO_LONG, "line-too-long");
            return null;
        }
        String answer = text().strip();
        if (answer.equals("*")) {
            send(Pop3Reply.AUTH_CANCELLED); // RFC 5034 4: the client gave up
            return null;
        }
        return decode(answer);
    }

    private byte[] decode(String base64) throws IOException {
        try {
            return SaslPlain.decodeBase64(base64);
        } catch (IllegalArgumentException e) {
            bad(Pop3Reply.AUTH_MALFORMED, "syntax");
            return null;
        }
    }

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

    /**
     * The socket's input, each read bounded by what is left of the login time (before the login: a client that
     * trickles commands cannot stay longer in total) or by the idle timeout after it.
     */
    private final class TimedInput extends InputStream {
        private final InputStream in;

        TimedInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long ms = maildrop == null ? TimeUnit.NANOSECONDS.toMillis(loginDeadline - System.nanoTime())
                    : server.config.idleTimeout().toMillis();
            if (ms <= 0) {
                throw new SocketTimeoutException("no login within " + server.config.loginTimeout());
            }
            conn.socket().setSoTimeout((int) Math.min(ms, Integer.MAX_VALUE));
            return in.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }
    }
}
