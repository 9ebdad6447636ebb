package org.mailwarden.imap;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.auth.SaslChannel;
import org.mailwarden.auth.SaslExchange;
import org.mailwarden.auth.SaslMechanism;
import org.mailwarden.directory.Account;
import org.mailwarden.events.Event;
import org.mailwarden.gate.Connection;
import org.mailwarden.store.Mailbox;
import org.mailwarden.store.MailboxExistsException;
import org.mailwarden.store.Mailboxes;
import org.mailwarden.store.MessageInfo;
import org.mailwarden.store.SystemFlag;

/**
 * One IMAP connection (RFC 3501), on the connection's virtual thread. Responses are buffered and flushed when
 * the session is about to wait for the client. During IDLE the connection's thread waits for the client's
 * DONE and sends keepalives; a change of the selected folder starts a short virtual thread that writes the
 * updates. The output lock keeps the two apart. This class holds the connection's state and carries out the
 * connection-level commands, login, SELECT and IDLE; the mailbox commands are in {@link MailboxCommands} and
 * those on the selected folder's messages in {@link MessageCommands}, both seeing it as a {@link SessionContext}.
 */
final class ImapSession implements SessionContext {

    private static final String CAPS_BASE = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT CHILDREN "
            + "UIDPLUS MOVE SPECIAL-USE QUOTA QUOTA=RES-STORAGE CONDSTORE QRESYNC ESEARCH";
    /**
     * The response buffer of every connection: 4 KiB, and none while in IDLE; larger writes (message bodies)
     * go straight through to the socket.
     */
    private static final int OUT_BUFFER = 4 * 1024;

    private final ImapServer server;
    private final Connection conn;
    private final Event.Origin origin;
    private final ImapInput input;
    private final ReentrantLock outLock = new ReentrantLock();
    private ResponseBuffer out;
    /** The folder IDLE is watching; read and cleared under the output lock. */
    private SelectedMailbox idling;
    /** Changes not yet pushed to the IDLE client: the first one starts the pushing thread. */
    private final AtomicInteger idlePushes = new AtomicInteger();

    private String login;
    private Mailboxes account;
    private SelectedMailbox selected;
    private int badCommands;
    /** CONDSTORE enabled (RFC 7162 3.1): by ENABLE or the first command that uses mod-sequences. */
    private boolean condstore;
    /** QRESYNC enabled (RFC 7162 3.2.3): by ENABLE only; implies CONDSTORE. */
    private boolean qresync;
    private boolean closing;
    private String closeReason = "logout";

    /** The command families, which see this session as their {@link SessionContext}. */
    private final MailboxCommands mailboxes;
    private final MessageCommands messages;

    ImapSession(ImapServer server, Connection conn) throws IOException {
        this.server = server;
        this.conn = conn;
        this.origin = conn.origin();
        this.out = new ResponseBuffer(conn.output(), OUT_BUFFER);
        this.input = new ImapInput(conn.input(), server.config.maxLineLength(),
                server.config.maxLiteralSize(), this::flush);
        this.mailboxes = new MailboxCommands(this, server);
        this.messages = new MessageCommands(this, server);
    }

    void run() throws IOException {
        server.events.emit(new Event.ConnectionOpened(origin, conn.id()));
        conn.deadline(Connection.Deadline.in("login", server.config.loginTimeout())); // greeting to login, in all
        try {
            untagged("OK [CAPABILITY " + capabilities() + "] " + server.hostname + " Mailwarden IMAP ready");
            while (!closing) {
                conn.socket().setSoTimeout((int) (login == null ? server.config.loginTimeout()
                        : server.config.idleTimeout()).toMillis());
                ImapInput.Read read = input.read(() -> {
                    write("+ Ready for literal data\r\n");
                    flush();
                });
                switch (read) {
                    case ImapInput.Read.End e -> {
                        closeReason = "client-closed";
                        closing = true;
                    }
                    case ImapInput.Read.Abusive a -> {
                        server.events.emit(new Event.ProtocolError(origin, conn.id(), 0, "line-too-long-abuse"));
                        untagged("BYE Line too long");
                        closeReason = "line-too-long";
                        closing = true;
                    }
                    case ImapInput.Read.TooLong(String tag) -> bad(tag, "[TOOBIG] Command line too long (limit "
                            + server.config.maxLineLength() + " octets)", "line-too-long");
                    case ImapInput.Read.TooBig(String tag, long size, boolean nonSync, long limit, boolean in) ->
                            tooBig(tag, nonSync, in, "[TOOBIG] Literal too big (limit " + limit + " octets"
                                    + (in ? "" : " before login") + ")", "literal-too-big");
                    case ImapInput.Read.Message m -> append(m);
                    case ImapInput.Read.Command(List<Object> parts) -> dispatch(ImapParser.parse(parts));
                }
            }
        } catch (SocketTimeoutException e) {
            server.events.emit(new Event.Timeout(origin, conn.id(), login == null ? "login" : "command"));
            untaggedQuietly(login == null ? "BYE Autologout; login timeout" : "BYE Autologout; idle for too long");
            closeReason = "timeout";
        } catch (UncheckedIOException e) {
            closeReason = "io-error";
        } finally {
            deselect();
            flushQuietly();
            server.events.emit(new Event.ConnectionClosed(origin, conn.id(), closeReason));
        }
    }

    private String capabilities() {
        StringBuilder c = new StringBuilder(CAPS_BASE);
        if (login == null) {
            if (!conn.isTls()) {
                if (server.tls != null) {
                    c.append(" STARTTLS");
                }
                c.append(" LOGINDISABLED");
            } else {
                SaslMechanism.NAMES.forEach(m -> c.append(" AUTH=").append(m));
            }
        }
        return c.toString();
    }

    // ---- the session as its command families see it ------------------------------------------------------

    @Override
    public String login() {
        return login;
    }

    @Override
    public Mailboxes account() {
        return account;
    }

    @Override
    public SelectedMailbox selected() {
        return selected;
    }

    @Override
    public boolean condstore() {
        return condstore;
    }

    @Override
    public boolean qresync() {
        return qresync;
    }

    // ---- output ------------------------------------------------------------------------------------------

    private void write(String s) {
        write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void write(byte[] b) {
        withOutput(() -> out.write(b));
    }

    @Override
    public void write(byte[] b, int off, int len) {
        withOutput(() -> out.write(b, off, len));
    }

    private interface Action {
        void run() throws IOException;
    }

    /**
     * Runs {@code action} on the output under the output lock (an IDLE push may write from another thread); an
     * I/O error comes out unchecked, as every write's does.
     */
    private void withOutput(Action action) {
        outLock.lock();
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            outLock.unlock();
        }
    }

    @Override
    public void untagged(String text) {
        write("* " + text + "\r\n");
    }

    private void untaggedQuietly(String text) {
        try {
            untagged(text);
        } catch (UncheckedIOException ignored) {
            // the client is gone
        }
    }

    @Override
    public void tagged(String tag, String text) {
        write(tag + " " + text + "\r\n");
    }

    private void flush() {
        withOutput(() -> out.flush());
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (UncheckedIOException ignored) {
            // the client is gone
        }
    }

    /** BAD, counted; too many end the session. */
    @Override
    public void bad(String tag, String text, String reason) {
        tagged(tag, "BAD " + text);
        server.events.emit(new Event.ProtocolError(origin, conn.id(), 0, reason));
        if (++badCommands >= server.config.maxBadCommands()) {
            server.events.emit(new Event.TooManyErrors(origin, conn.id(), badCommands));
            untagged("BYE Too many invalid commands");
            closeReason = "too-many-errors";
            closing = true;
        }
    }

    /**
     * A literal over the limit. A synchronizing one gets no "+" and the client sends nothing more of the command;
     * before login the refusal is a BAD, counted. The octets of a non-synchronizing one are already on their way and
     * cannot be told apart from commands (RFC 7888 4): BAD, and the connection is closed.
     */
    private void tooBig(String tag, boolean nonSync, boolean loggedIn, String text, String reason) {
        if (!nonSync && !loggedIn) {
            bad(tag, text, reason);
            return;
        }
        server.events.emit(new Event.ProtocolError(origin, conn.id(), 0, reason));
        if (nonSync) {
            tagged(tag, "BAD " + text);
            untagged("BYE " + text);
            closeReason = reason;
            closing = true;
        } else {
            tagged(tag, "NO " + text);
        }
    }

    /**
     * APPEND, its message announced: refused before its octets when it can be (too big, no such mailbox, over
     * quota), else streamed from the connection to the folder's tmp/ as it arrives (see {@link MailboxCommands#append}).
     */
    private void append(ImapInput.Read.Message m) throws IOException {
        String tag = ImapInput.tagOf((String) m.parts().getFirst());
        long max = server.config.maxLiteralSize();
        if (m.size() > max) {
            tooBig(tag, m.nonSync(), true, "[TOOBIG] Message too big (limit " + max + " octets)", "message-too-big");
            return;
        }
        List<Object> parts = new ArrayList<>(m.parts());
        parts.add(new ImapInput.Streamed(m.size()));
        parts.add("");
        ImapCommand.Tagged t = ImapParser.parse(parts);
        guarded(tag, () -> {
            String refusal = t.command() instanceof ImapCommand.Append a ? mailboxes.refuseAppend(a) : null;
            if (t.command() instanceof ImapCommand.Append a && refusal == null) {
                mailboxes.append(tag, a, out -> receive(tag, m, out));
                return;
            }
            // refused: the octets of a non-synchronizing literal are read and dropped
            if (m.nonSync() && !(input.copy(m.size(), OutputStream.nullOutputStream()) && restOfAppend(tag))) {
                return;
            }
            if (refusal != null) {
                tagged(tag, refusal);
            } else {
                execute(tag, t.command()); // the syntax error
            }
        });
    }

    /** APPEND's message, from the client to {@code out}, and the end of the command; false if it did not come. */
    private boolean receive(String tag, ImapInput.Read.Message m, OutputStream out) throws IOException {
        if (!m.nonSync()) {
            write("+ Ready for literal data\r\n");
            flush();
        }
        return input.copy(m.size(), out) && restOfAppend(tag);
    }

    /** The rest of APPEND's line after its message, which must be empty (no MULTIAPPEND); false if it is not. */
    private boolean restOfAppend(String tag) throws IOException {
        boolean[] overflow = new boolean[1];
        String rest = input.line(overflow);
        if (rest == null) {
            closeReason = "client-closed";
            closing = true;
            return false;
        }
        if (overflow[0] || !rest.isEmpty()) {
            bad(tag, "Unexpected characters after the message of APPEND", "syntax");
            return false;
        }
        return true;
    }

    // ---- dispatch ----------------------------------------------------------------------------------------

    private enum Needs { ANY, NOT_AUTH, AUTH, SELECTED }

    private static Needs needs(ImapCommand c) {
        return switch (c) {
            case ImapCommand.Capability x -> Needs.ANY;
            case ImapCommand.Noop x -> Needs.ANY;
            case ImapCommand.Logout x -> Needs.ANY;
            case ImapCommand.Id x -> Needs.ANY;
            case ImapCommand.Invalid x -> Needs.ANY;
            case ImapCommand.Refused x -> Needs.ANY;
            case ImapCommand.Unknown x -> Needs.ANY;
            case ImapCommand.StartTls x -> Needs.NOT_AUTH;
            case ImapCommand.Login x -> Needs.NOT_AUTH;
            case ImapCommand.Authenticate x -> Needs.NOT_AUTH;
            case ImapCommand.Check x -> Needs.SELECTED;
            case ImapCommand.Close x -> Needs.SELECTED;
            case ImapCommand.Unselect x -> Needs.SELECTED;
            case ImapCommand.Expunge x -> Needs.SELECTED;
            case ImapCommand.Search x -> Needs.SELECTED;
            case ImapCommand.Fetch x -> Needs.SELECTED;
            case ImapCommand.Store x -> Needs.SELECTED;
            case ImapCommand.Copy x -> Needs.SELECTED;
            default -> Needs.AUTH;
        };
    }

    private void dispatch(ImapCommand.Tagged t) throws IOException {
        String tag = t.tag();
        ImapCommand c = t.command();
        Needs n = needs(c);
        if (n == Needs.NOT_AUTH && login != null) {
            bad(tag, "Already logged in", "bad-state");
            return;
        }
        if ((n == Needs.AUTH || n == Needs.SELECTED) && login == null) {
            bad(tag, "Log in first", "bad-state");
            return;
        }
        if (n == Needs.SELECTED && selected == null) {
            bad(tag, "No mailbox selected", "bad-state");
            return;
        }
        guarded(tag, () -> execute(tag, c));
    }

    /** Runs a command, answering NO for what it refuses by exception; I/O errors of the connection go on. */
    private void guarded(String tag, Action command) throws IOException {
        try {
            command.run();
        } catch (IllegalArgumentException e) {
            tagged(tag, "NO " + e.getMessage());
        } catch (NoSuchFileException e) {
            tagged(tag, "NO [NONEXISTENT] Mailbox does not exist");
        } catch (MailboxExistsException e) {
            tagged(tag, "NO [ALREADYEXISTS] Mailbox already exists");
        } catch (UncheckedIOException | SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            if (e instanceof java.net.SocketException) {
                throw e;
            }
            server.events.emit(new Event.StoreFailure(origin, conn.id(), e.toString()));
            tagged(tag, "NO [SERVERBUG] Internal error, try again later");
        }
    }

    private void execute(String tag, ImapCommand c) throws IOException {
        switch (c) {
            case ImapCommand.Capability x -> {
                untagged("CAPABILITY " + capabilities());
                ok(tag, "CAPABILITY completed");
            }
            case ImapCommand.Noop x -> {
                syncSelected(true);
                ok(tag, "NOOP completed");
            }
            case ImapCommand.Logout x -> {
                untagged("BYE Logging out");
                tagged(tag, "OK LOGOUT completed");
                closeReason = "logout";
                closing = true;
            }
            case ImapCommand.Id x -> {
                untagged("ID (\"name\" \"Mailwarden\")");
                ok(tag, "ID completed");
            }
            case ImapCommand.Invalid(String message) -> bad(tag, message, "syntax");
            case ImapCommand.Refused(String message) -> tagged(tag, "NO " + message);
            case ImapCommand.Unknown(String name) -> bad(tag, "Unknown command " + name, "unknown-command");
            case ImapCommand.StartTls x -> startTls(tag);
            case ImapCommand.Login(String user, String password) -> login(tag, user, password.toCharArray(), "LOGIN");
            case ImapCommand.Authenticate a -> authenticate(tag, a);
            case ImapCommand.Namespace x -> {
                untagged("NAMESPACE ((\"\" \"" + Mailboxes.DELIMITER + "\")) NIL NIL");
                ok(tag, "NAMESPACE completed");
            }
            case ImapCommand.Enable(List<String> caps) -> {
                Set<String> enabled = new LinkedHashSet<>();
                for (String cap : caps) {
                    switch (cap) {
                        case "CONDSTORE" -> enableCondstore();
                        case "QRESYNC" -> enableQresync(); // and CONDSTORE, named only if asked for
                        default -> {
                            continue;
                        }
                    }
                    enabled.add(cap);
                }
                untagged("ENABLED" + (enabled.isEmpty() ? "" : " " + String.join(" ", enabled)));
                ok(tag, "ENABLE completed");
            }
            case ImapCommand.Select s -> select(tag, s);
            case ImapCommand.Create(String name) -> mailboxes.create(tag, name);
            case ImapCommand.Delete(String name) -> mailboxes.delete(tag, name);
            case ImapCommand.Rename(String from, String to) -> mailboxes.rename(tag, from, to);
            case ImapCommand.Subscribe(String name, boolean on) -> mailboxes.subscribe(tag, name, on);
            case ImapCommand.ListMailboxes l -> mailboxes.list(tag, l);
            case ImapCommand.Status s -> mailboxes.status(tag, s);
            case ImapCommand.Append a -> bad(tag, "APPEND's message must be a literal", "syntax"); // see append()
            case ImapCommand.Check x -> {
                syncSelected(true);
                ok(tag, "CHECK completed");
            }
            case ImapCommand.Close x -> {
                if (!selected.readOnly) {
                    messages.expungeDeleted(null, false);
                }
                deselect();
                closed();
                ok(tag, "CLOSE completed");
            }
            case ImapCommand.Unselect x -> {
                deselect();
                closed();
                ok(tag, "UNSELECT completed");
            }
            case ImapCommand.Expunge(SequenceSet uids) -> messages.expunge(tag, uids);
            case ImapCommand.Search s -> messages.search(tag, s);
            case ImapCommand.Fetch f -> messages.fetch(tag, f);
            case ImapCommand.Store s -> messages.store(tag, s);
            case ImapCommand.Copy cp -> messages.copy(tag, cp);
            case ImapCommand.Idle x -> idle(tag);
            case ImapCommand.GetQuotaRoot(String mailbox) -> mailboxes.getQuotaRoot(tag, mailbox);
            case ImapCommand.GetQuota(String root) -> mailboxes.getQuota(tag, root);
            case ImapCommand.SetQuota x ->
                    tagged(tag, "NO [CANNOT] Quotas are set by the administrator (mailwarden quota set)");
        }
    }

    /** Tagged OK, after telling the client what changed in its selected folder meanwhile. */
    @Override
    public void ok(String tag, String text) throws IOException {
        okCode(tag, null, text, true);
    }

    @Override
    public void okCode(String tag, String code, String text, boolean expunges) throws IOException {
        syncSelected(expunges);
        tagged(tag, "OK " + (code == null ? "" : "[" + code + "] ") + text);
    }

    @Override
    public void syncSelected(boolean expunges) throws IOException {
        if (selected != null) {
            selected.sync(expunges, this::untagged);
        }
    }

    @Override
    public void enableCondstore() {
        condstore = true;
        if (selected != null && !selected.condstore) {
            selected.condstore = true;
            // enabled by a command while a mailbox is selected: its HIGHESTMODSEQ now (RFC 7162 3.1.2.2)
            untagged("OK [HIGHESTMODSEQ " + selected.highestSeen() + "] Highest");
        }
    }

    private void enableQresync() {
        enableCondstore();
        qresync = true;
        if (selected != null) {
            selected.qresync = true;
        }
    }

    /** After CLOSE / UNSELECT: a QRESYNC client hears that the mailbox is closed (RFC 7162 3.2.11). */
    private void closed() {
        if (qresync) {
            untagged("OK [CLOSED] Mailbox closed");
        }
    }

    // ---- not authenticated ------------------------------------------------------------------------------

    private void startTls(String tag) throws IOException {
        if (conn.isTls()) {
            bad(tag, "TLS is already active", "bad-sequence");
            return;
        }
        if (server.tls == null) {
            tagged(tag, "NO TLS is not available");
            return;
        }
        tagged(tag, "OK Begin TLS negotiation now");
        flush();
        // what was pipelined after STARTTLS came in clear text: input.reset drops it (CVE-2011-0411)
        SSLSocket ssl = conn.startTls(server.tls, input.buffered() > 0, server.events);
        if (ssl == null) {
            closeReason = "tls-failure";
            closing = true;
            return;
        }
        input.reset(conn.input());
        outLock.lock();
        try {
            out = new ResponseBuffer(conn.output(), OUT_BUFFER);
        } finally {
            outLock.unlock();
        }
    }

    private void authenticate(String tag, ImapCommand.Authenticate a) throws IOException {
        Optional<SaslMechanism> mechanism = SaslMechanism.start(a.mechanism());
        if (mechanism.isEmpty()) {
            tagged(tag, "NO [CANNOT] Unsupported authentication mechanism; use PLAIN or LOGIN");
            return;
        }
        if (!conn.isTls()) {
            tagged(tag, "NO [PRIVACYREQUIRED] Use STARTTLS first (or port 993)");
            return;
        }
        switch (SaslExchange.run(server.auth, conn, mechanism.get(), a.initial(), saslChannel)) {
            case SaslExchange.Outcome.Success(Account acc) -> loggedIn(tag, acc);
            case SaslExchange.Outcome.Rejected(Authenticator.Result.Failure f) -> loginFailed(tag, f);
            case SaslExchange.Outcome.Cancelled() -> bad(tag, "Authentication cancelled", "auth-cancelled");
            case SaslExchange.Outcome.BadBase64() -> bad(tag, "Invalid base64 in authentication response", "syntax");
            case SaslExchange.Outcome.Malformed() -> bad(tag, "Malformed PLAIN response", "syntax");
            case SaslExchange.Outcome.TooLong() -> bad(tag, "Authentication response too long", "syntax");
            case SaslExchange.Outcome.Closed() -> {
                closeReason = "client-closed-in-auth";
                closing = true;
            }
        }
    }

    /** SASL over IMAP (RFC 3501 6.2.2): a "+ " continuation, the answer on a line of its own. */
    private final SaslChannel saslChannel = new SaslChannel() {
        @Override
        public Answer challenge(String base64) throws IOException {
            write("+ " + base64 + "\r\n");
            flush();
            boolean[] overflow = new boolean[1];
            String response = input.line(overflow);
            if (response == null) {
                return new Answer.Closed();
            }
            return overflow[0] ? new Answer.TooLong() : new Answer.Line(response);
        }

        @Override
        public void beforeCheck() {
            flush(); // answers already due go out before a failed login's delay
        }
    };

    private void login(String tag, String user, char[] password, String mechanism) throws IOException {
        if (!conn.isTls()) {
            Arrays.fill(password, '\0');
            tagged(tag, "NO [PRIVACYREQUIRED] Use STARTTLS first (or port 993): no passwords in clear text");
            return;
        }
        flush(); // answers already due go out before a failed login's delay
        switch (server.auth.login(conn, user, password, mechanism)) {
            case Authenticator.Result.Failure f -> loginFailed(tag, f);
            case Authenticator.Result.Success(Account acc) -> loggedIn(tag, acc);
        }
    }

    private void loginFailed(String tag, Authenticator.Result.Failure failure) {
        tagged(tag, failure.temporary() ? "NO [UNAVAILABLE] Temporary authentication failure"
                : "NO [AUTHENTICATIONFAILED] Authentication failed");
    }

    private void loggedIn(String tag, Account acc) throws IOException {
        login = acc.address();
        conn.noDeadline();
        account = server.store.mailboxes(login);
        input.loggedIn();
        account.ensureDefaults();
        tagged(tag, "OK [CAPABILITY " + capabilities() + "] Logged in");
    }

    // ---- select ------------------------------------------------------------------------------------------

    @Override
    public void deselect() {
        if (selected != null) {
            account.release(selected.folder);
            selected = null;
        }
    }

    private void select(String tag, ImapCommand.Select s) throws IOException {
        if (s.qresync() != null && !qresync) {
            bad(tag, "QRESYNC needs ENABLE QRESYNC first", "bad-state"); // RFC 7162 3.2.5
            return;
        }
        if (selected != null) {
            deselect();
            untagged("OK [CLOSED] Previous mailbox closed");
        }
        if (!account.exists(s.mailbox())) {
            tagged(tag, "NO [NONEXISTENT] Mailbox does not exist: " + s.mailbox());
            return;
        }
        Mailbox folder = account.acquire(s.mailbox());
        SelectedMailbox box = new SelectedMailbox(s.mailbox(), folder, s.readOnly());
        try {
            box.load();
        } catch (IOException | RuntimeException e) {
            account.release(folder);
            throw e;
        }
        if (s.condstore()) {
            enableCondstore(); // before the mailbox is selected: its HIGHESTMODSEQ follows below
        }
        selected = box;
        box.condstore = condstore;
        box.qresync = qresync;
        box.announceFlags(this::untagged);
        untagged(box.count() + " EXISTS");
        untagged(box.recentCount() + " RECENT");
        List<? extends MessageInfo> all = folder.messages();
        for (int seq = 1; seq <= box.count(); seq++) {
            Optional<MessageInfo> m = find(all, box.uid(seq));
            if (m.isPresent() && !m.get().flags().has(SystemFlag.SEEN)) {
                untagged("OK [UNSEEN " + seq + "] First unseen");
                break;
            }
        }
        untagged("OK [UIDVALIDITY " + folder.uidValidity() + "] UIDs valid");
        untagged("OK [UIDNEXT " + folder.nextUid() + "] Predicted next UID");
        untagged("OK [HIGHESTMODSEQ " + box.highestAtLoad() + "] Highest");
        if (s.qresync() != null && s.qresync().uidValidity() == folder.uidValidity()) {
            resync(box, s.qresync());
        }
        tagged(tag, "OK [" + (s.readOnly() ? "READ-ONLY" : "READ-WRITE") + "] "
                + (s.readOnly() ? "EXAMINE" : "SELECT") + " completed");
    }

    /**
     * SELECT (QRESYNC ...) with the client's UIDVALIDITY (RFC 7162 3.2.5): what vanished since its mod-sequence,
     * then the flags of every message changed since, both limited to the UIDs it says it knows.
     */
    private void resync(SelectedMailbox box, ImapCommand.Qresync q) {
        SequenceSet known = q.knownUids() != null ? q.knownUids() : SequenceSet.parse("1:*");
        String vanished = box.vanishedSince(q.modseq(), known);
        if (!vanished.isEmpty()) {
            untagged("VANISHED (EARLIER) " + vanished);
        }
        MessageCommands.Snapshot index = new MessageCommands.Snapshot(box.folder);
        for (int seq = 1; seq <= box.count(); seq++) {
            long uid = box.uid(seq);
            MessageInfo m = index.get(uid);
            if (m != null && m.modseq() > q.modseq() && known.contains(uid, box.maxUid())) {
                untagged(seq + " FETCH (UID " + uid + " FLAGS (" + Flags.imap(m.flags(), box.isRecent(uid))
                        + ") MODSEQ (" + m.modseq() + "))");
            }
        }
    }

    private static Optional<MessageInfo> find(List<? extends MessageInfo> all, long uid) {
        int lo = 0;
        int hi = all.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long u = all.get(mid).uid();
            if (u < uid) {
                lo = mid + 1;
            } else if (u > uid) {
                hi = mid - 1;
            } else {
                return Optional.of(all.get(mid));
            }
        }
        return Optional.empty();
    }

    private void idle(String tag) throws IOException {
        syncSelected(true);
        write("+ idling\r\n");
        SelectedMailbox box = selected;
        Mailbox.Watch watch = null;
        boolean more;
        try {
            if (box != null) {
                outLock.lock();
                try {
                    idling = box;
                    watch = box.folder.watch(this::idleChanged);
                    pushIdleUpdates(box); // what changed between the sync above and the watch
                } finally {
                    outLock.unlock();
                }
            }
            server.idling.incrementAndGet();
            try {
                more = awaitIdleEnd();
            } finally {
                server.idling.decrementAndGet();
            }
        } finally {
            outLock.lock();
            try {
                idling = null; // a push that starts from now on finds nothing to do
                if (watch != null) {
                    watch.close();
                }
            } finally {
                outLock.unlock();
            }
        }
        String line = null;
        boolean[] overflow = new boolean[1];
        if (more) {
            conn.socket().setSoTimeout((int) server.config.idleTimeout().toMillis());
            line = input.line(overflow);
        }
        if (line == null) {
            closeReason = "client-closed";
            closing = true;
            return;
        }
        if (!line.strip().equalsIgnoreCase("DONE")) {
            bad(tag, "Expected DONE to end IDLE", "syntax");
            return;
        }
        ok(tag, "IDLE terminated");
    }

    /**
     * Waits for the client to end IDLE, holding no buffers meanwhile, with a keepalive every
     * {@code imap.idle-keepalive}; autologout after the idle timeout. False if the client closed the connection.
     */
    private boolean awaitIdleEnd() throws IOException {
        long timeout = server.config.idleTimeout().toNanos();
        long start = System.nanoTime();
        while (true) {
            withOutput(() -> out.release());
            long left = timeout - (System.nanoTime() - start);
            long keepalive = server.config.idleKeepalive().toNanos();
            boolean last = left <= keepalive;
            long wait = last ? left : keepalive;
            conn.socket().setSoTimeout((int) Math.max(1, wait / 1_000_000));
            try {
                return input.await();
            } catch (SocketTimeoutException e) {
                if (last) {
                    throw e;
                }
                untagged("OK Still here");
            }
        }
    }

    /**
     * The IDLE folder changed: called on the changing thread, with the folder locked, so it only starts the
     * thread that pushes the update (one at a time; changes meanwhile make it go round again).
     */
    private void idleChanged() {
        if (idlePushes.getAndIncrement() == 0) {
            Thread.ofVirtual().name("imap-idle-push-" + conn.id()).start(() -> {
                int seen;
                do {
                    seen = idlePushes.get();
                    outLock.lock();
                    try {
                        if (idling != null) {
                            pushIdleUpdates(idling);
                            out.release();
                        }
                    } catch (IOException | UncheckedIOException e) {
                        // the connection's thread sees the broken connection on its next read
                    } finally {
                        outLock.unlock();
                    }
                } while (!idlePushes.compareAndSet(seen, 0));
            });
        }
    }

    /** Sends the folder's changes to the IDLE client; under the output lock. */
    private void pushIdleUpdates(SelectedMailbox box) throws IOException {
        box.sync(true, this::untagged);
        out.flush();
    }
}
