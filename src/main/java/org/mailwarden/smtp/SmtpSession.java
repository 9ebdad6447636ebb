package org.mailwarden.smtp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.mailwarden.config.Settings;
import org.mailwarden.config.SmtpConfig;
import org.mailwarden.delivery.DeliveryPipeline;
import org.mailwarden.delivery.Origin;
import org.mailwarden.delivery.Reception;
import org.mailwarden.delivery.Recipient;
import org.mailwarden.directory.Directory;
import org.mailwarden.directory.Resolution;
import org.mailwarden.events.Event;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.auth.SaslChannel;
import org.mailwarden.auth.SaslExchange;
import org.mailwarden.auth.SaslMechanism;
import org.mailwarden.gate.Connection;
import org.mailwarden.gate.LineInput;

/**
 * One SMTP connection (RFC 5321) with the extensions of RFC 1870 (SIZE), 6152 (8BITMIME), 2920 (PIPELINING),
 * 2034 (ENHANCEDSTATUSCODES), 6531 (SMTPUTF8), 3207 (STARTTLS) and 3030 (CHUNKING). Runs on the connection's
 * virtual thread; replies are buffered and flushed whenever the session is about to wait for the client.
 */
final class SmtpSession {

    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    /** The stages the timeout event names: a command line (or an AUTH answer), and the message data. */
    private static final String COMMAND = "command";
    private static final String DATA = "data";

    private final SmtpServer server;
    private final SmtpConfig limits;
    private final Connection conn;
    private final Event.Origin origin;
    private final LineInput input;
    private final LineInput.Line line = new LineInput.Line();
    private final byte[] lineBuf;
    private final long discardCap;
    private OutputStream out;

    private String helo;
    private boolean esmtp;
    /** The authenticated account (login address), or null. */
    private String login;
    private Transaction tx;
    private int errors;
    /** What the client pipelined without permission, if it did (reported and refused at DATA). */
    private String pipeliningViolation;
    private boolean closing;
    private String closeReason = "quit";

    /** One mail transaction: MAIL, RCPTs, then DATA or BDAT chunks. */
    private static final class Transaction {
        final String sender;
        final boolean utf8;
        final String txid = Connection.newId();
        /** The local recipients by account: one copy per mailbox, whichever addresses led there. */
        final Map<String, Recipient> mailboxes = new LinkedHashMap<>();
        final Set<String> forwards = new LinkedHashSet<>();
        final List<String> recipients = new ArrayList<>();
        MessageSink bdat;
        Reply bdatFailure;
        /** From the first BDAT chunk: the whole message must be in by then (smtp.data-timeout). */
        Connection.Deadline dataDeadline;
        /** Set by the header check of a submission: the message is refused at its end with this reply. */
        Reply headerFailure;

        Transaction(String sender, boolean utf8) {
            this.sender = sender;
            this.utf8 = utf8;
        }
    }

    SmtpSession(SmtpServer server, Connection conn) throws IOException {
        this.server = server;
        this.limits = server.limits;
        this.conn = conn;
        this.origin = conn.origin();
        // +1: a dot-stuffed line may be one octet longer on the wire than the limit allows after unstuffing.
        this.lineBuf = new byte[limits.maxLineLength() + 1];
        this.discardCap = Math.max(64 * 1024, 16L * limits.maxLineLength());
        this.out = new BufferedOutputStream(conn.output(), 16 * 1024);
        this.input = new LineInput(conn.input(), this::flush);
    }

    void run() throws IOException {
        server.events.emit(new Event.ConnectionOpened(origin, conn.id()));
        try {
            if (server.needsGreetTest(conn.clientIp())) {
                if (!greetTest()) {
                    return;
                }
            } else {
                send(new Reply(220, null, server.hostname + " ESMTP Mailwarden"));
            }
            readTimeout();
            while (!closing) {
                if (conn.closing()) {
                    closeWith("banned"); // by this session's own event: its reply goes out, then the close
                    break;
                }
                if (!readCommandLine()) {
                    closeReason = "client-closed";
                    break;
                }
                if (line.abusive) {
                    protocolError(Reply.LINE_TOO_LONG, "line-too-long-abuse");
                    closeWith("line-too-long");
                    break;
                }
                if (line.overflow) {
                    reply(new Reply(500, "5.5.2", "Line too long (limit " + limits.maxLineLength()
                            + " octets including CRLF)"), "line-too-long");
                    continue;
                }
                if (line.nul) {
                    reply(Reply.NUL_IN_COMMAND, "nul-in-command");
                    continue;
                }
                if (line.bareCr) {
                    reply(Reply.BARE_CR_IN_COMMAND, "bare-cr-in-command"); // never parsed, so never echoed
                    continue;
                }
                SmtpCommand command = SmtpCommand.parse(commandText());
                notePipelining(command);
                handle(command);
            }
        } catch (SocketTimeoutException e) {
            server.events.emit(new Event.Timeout(origin, conn.id(),
                    e instanceof Connection.StageTimeout t ? t.stage() : COMMAND));
            sendQuietly(Reply.TIMEOUT);
            closeReason = "timeout";
        } catch (UncheckedIOException e) {
            closeReason = "io-error";
        } finally {
            abortTransaction();
            flushQuietly();
            server.events.emit(new Event.ConnectionClosed(origin, conn.id(), closeReason));
        }
    }

    /**
     * Postscreen's pregreet test: send the first line of a multi-line greeting, wait, and see whether the client
     * talks before the greeting is complete. Real MTAs wait for the final "220 " line; many bots do not.
     */
    private boolean greetTest() throws IOException {
        try {
            out.write(new Reply(220, null, server.hostname + " ESMTP Mailwarden").firstLineOnly());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        conn.socket().setSoTimeout((int) Math.max(1, limits.greetWait().toMillis()));
        if (input.awaitInput()) {
            server.events.emit(new Event.Pregreet(origin, conn.id()));
            send(new Reply(554, "5.5.1", "Protocol error: you talked before the greeting"));
            closeReason = "pregreet";
            return false;
        }
        server.greetTestPassed(conn.clientIp());
        send(new Reply(220, null, server.hostname + " ESMTP Mailwarden"));
        return true;
    }

    /** The longest pause in any read: the command timeout (a stage's deadline may end a read earlier). */
    private void readTimeout() throws IOException {
        conn.socket().setSoTimeout((int) limits.commandTimeout().toMillis());
    }

    /**
     * Reads one command line (or an AUTH answer), which must be complete within the command timeout however its
     * bytes trickle in; in a BDAT transaction also by the message's data deadline. False at end of stream.
     */
    private boolean readCommandLine() throws IOException {
        Connection.Deadline d = Connection.Deadline.in(COMMAND, limits.commandTimeout());
        conn.deadline(tx != null ? d.earliest(tx.dataDeadline) : d);
        try {
            return input.readLine(line, lineBuf, discardCap);
        } finally {
            conn.noDeadline();
        }
    }

    /**
     * reject_unauth_pipelining, observed here and judged at DATA where the whole session is visible: a client
     * that sends more commands before our reply when PIPELINING was not negotiated (before EHLO, after HELO),
     * or anything right after EHLO, HELO or DATA (RFC 2920 3.1: these end a group).
     */
    private void notePipelining(SmtpCommand command) {
        if (pipeliningViolation != null || !server.checksPipelining(conn.clientIp(), login != null)
                || !input.hasPendingInput()) {
            return;
        }
        String verb = switch (command) {
            case SmtpCommand.Ehlo e -> "EHLO";
            case SmtpCommand.Helo h -> "HELO";
            case SmtpCommand.Data d -> "DATA";
            default -> esmtp ? null : "a command";
        };
        if (verb != null) {
            pipeliningViolation = "input after " + verb + " before its reply" + (esmtp ? "" : " (no PIPELINING)");
        }
    }

    private String commandText() {
        int n = line.stored;
        while (n > 0 && (lineBuf[n - 1] == '\n' || lineBuf[n - 1] == '\r' || lineBuf[n - 1] == ' ')) {
            n--;
        }
        return new String(lineBuf, 0, n, StandardCharsets.UTF_8);
    }

    private void handle(SmtpCommand cmd) throws IOException {
        if (tx != null && tx.bdat != null && !(cmd instanceof SmtpCommand.Bdat || cmd instanceof SmtpCommand.Rset
                || cmd instanceof SmtpCommand.Quit || cmd instanceof SmtpCommand.Noop)) {
            // RFC 3030 2: only BDAT (or RSET/QUIT) may follow a BDAT that was not LAST.
            reply(cmd instanceof SmtpCommand.Data ? Reply.BDAT_DATA_MIX
                    : new Reply(503, "5.5.1", "Bad sequence: BDAT LAST expected"), "bad-sequence");
            return;
        }
        switch (cmd) {
            case SmtpCommand.Ehlo(String domain) -> greet(domain, true);
            case SmtpCommand.Helo(String domain) -> greet(domain, false);
            case SmtpCommand.Mail m -> mail(m);
            case SmtpCommand.Rcpt r -> rcpt(r);
            case SmtpCommand.Data d -> data();
            case SmtpCommand.Bdat b -> bdat(b);
            case SmtpCommand.Rset r -> {
                abortTransaction();
                send(Reply.RESET_OK);
            }
            case SmtpCommand.Noop n -> send(Reply.OK);
            case SmtpCommand.Quit q -> {
                send(Reply.BYE);
                closing = true;
            }
            case SmtpCommand.Help h -> send(new Reply(214, "2.0.0", List.of(
                    "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY STARTTLS",
                    "See RFC 5321")));
            case SmtpCommand.Vrfy v -> send(Reply.CANNOT_VRFY);
            case SmtpCommand.Expn e -> reply(new Reply(502, "5.5.1", "EXPN not available"), "expn");
            case SmtpCommand.StartTls s -> startTls();
            case SmtpCommand.Auth a -> auth(a);
            case SmtpCommand.Invalid(Reply r) -> reply(r, "syntax");
            case SmtpCommand.Unknown u -> reply(Reply.UNKNOWN_COMMAND, "unknown-command");
        }
    }

    private void greet(String domain, boolean extended) {
        abortTransaction();
        helo = domain;
        esmtp = extended;
        if (!extended) {
            send(new Reply(250, null, server.hostname));
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(server.hostname + " greets " + domain);
        lines.add("PIPELINING");
        lines.add("SIZE " + limits.maxMessageSize());
        lines.add("8BITMIME");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("SMTPUTF8");
        lines.add("CHUNKING");
        if (server.tls != null && !conn.isTls()) {
            lines.add("STARTTLS");
        }
        if (server.authOffered() && conn.isTls() && login == null) {
            lines.add("AUTH " + String.join(" ", SaslMechanism.NAMES)); // RFC 8314 / RFC 4954: never offered in clear text
        }
        send(new Reply(250, null, lines));
    }

    private void mail(SmtpCommand.Mail m) {
        if (helo == null) {
            reply(Reply.HELO_FIRST, "bad-sequence");
            return;
        }
        if (tx != null) {
            reply(Reply.NESTED_MAIL, "bad-sequence");
            return;
        }
        if (server.mode == SmtpServer.Mode.SUBMISSION && login == null) {
            reply(conn.isTls() ? Reply.AUTH_REQUIRED
                    : new Reply(530, "5.7.0", "Must issue a STARTTLS command first"), "auth-required");
            return;
        }
        boolean utf8 = false;
        for (Map.Entry<String, String> p : m.params().entrySet()) {
            String value = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> {
                    long declared;
                    try {
                        declared = value == null ? -1 : Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        declared = -1;
                    }
                    if (declared < 0) {
                        reply(new Reply(501, "5.5.4", "Syntax: SIZE=<octets>"), "syntax");
                        return;
                    }
                    if (declared > limits.maxMessageSize()) {
                        reply(tooBig(), "message-too-big");
                        return;
                    }
                }
                case "BODY" -> {
                    if (value == null || !(value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                        reply(new Reply(501, "5.5.4", "BODY must be 7BIT or 8BITMIME"), "syntax");
                        return;
                    }
                }
                case "AUTH" -> {
                    // RFC 4954 5: the AUTH parameter is accepted and not trusted
                }
                case "SMTPUTF8" -> {
                    if (value != null) {
                        reply(new Reply(501, "5.5.4", "SMTPUTF8 takes no value"), "syntax");
                        return;
                    }
                    utf8 = true;
                }
                default -> {
                    reply(new Reply(555, "5.5.4", "Unsupported MAIL parameter " + p.getKey()), "syntax");
                    return;
                }
            }
        }
        if (!esmtp && !m.params().isEmpty()) {
            reply(new Reply(555, "5.5.4", "MAIL parameters need EHLO"), "syntax");
            return;
        }
        String sender = m.path();
        if (!sender.isEmpty() && !Addresses.isValid(sender)) {
            reply(new Reply(501, "5.1.7", "Bad sender address syntax"), "syntax");
            return;
        }
        if (!utf8 && !Addresses.isAscii(sender)) {
            reply(Reply.NON_ASCII_ADDRESS, "syntax");
            return;
        }
        if (login != null) {
            if (server.directory.isRestricted(login, Directory.Service.SEND)) {
                server.events.emit(new Event.SenderDenied(origin, conn.id(), login, sender, "restricted"));
                send(new Reply(554, "5.7.1", "Sender address rejected: account " + login
                        + " is not allowed to send mail (restricted by the administrator)"));
                return;
            }
            if (!sender.isEmpty() && !ownsSender(sender)) {
                server.events.emit(new Event.SenderDenied(origin, conn.id(), login, sender, "envelope"));
                send(notOwned(sender));
                return;
            }
        }
        tx = new Transaction(sender, utf8);
        send(Reply.SENDER_OK);
    }

    private void rcpt(SmtpCommand.Rcpt r) {
        if (tx == null) {
            reply(Reply.MAIL_FIRST, "bad-sequence");
            return;
        }
        if (!r.params().isEmpty()) {
            reply(new Reply(555, "5.5.4", "Unsupported RCPT parameter " + r.params().keySet().iterator().next()),
                    "syntax");
            return;
        }
        String rcpt = r.path();
        boolean postmaster = rcpt.equalsIgnoreCase("postmaster");
        if (!postmaster && !Addresses.isValid(rcpt)) {
            reply(new Reply(501, "5.1.3", "Bad recipient address syntax"), "syntax");
            return;
        }
        if (!tx.utf8 && !Addresses.isAscii(rcpt)) {
            reply(Reply.NON_ASCII_ADDRESS, "syntax");
            return;
        }
        if (tx.recipients.size() >= limits.maxRecipients()) {
            send(Reply.TOO_MANY_RECIPIENTS); // flow control, not an error: the client retries the rest later
            return;
        }
        Resolution res = postmaster ? resolvePostmaster() : server.directory.resolve(rcpt);
        switch (res) {
            case Resolution.Deliver(Set<String> mailboxes, Set<String> forwards) -> {
                // the pipeline's envelope steps (restrictions, quota), asked here too for a clean reply at RCPT
                switch (server.delivery.admit(deliveryOrigin(), tx.sender, rcpt, mailboxes, forwards)) {
                    case DeliveryPipeline.Admission.Refuse(Reply refusal) -> send(refusal);
                    case DeliveryPipeline.Admission.Defer(Reply deferral) -> send(deferral);
                    case DeliveryPipeline.Admission.Accept(List<Recipient> accepted) -> {
                        accepted.forEach(a -> tx.mailboxes.putIfAbsent(a.account(), a));
                        tx.forwards.addAll(forwards);
                        tx.recipients.add(rcpt);
                        send(Reply.RECIPIENT_OK);
                    }
                }
            }
            case Resolution.UnknownUser u -> {
                server.events.emit(new Event.UnknownRecipient(origin, conn.id(), rcpt));
                reply(Reply.UNKNOWN_USER, null);
            }
            case Resolution.NotLocal n -> {
                if (login != null || server.submission.isTrusted(conn.clientIp())) {
                    // relay: authenticated on a port that offers AUTH, or a trusted network
                    tx.forwards.add(rcpt);
                    tx.recipients.add(rcpt);
                    send(Reply.RECIPIENT_OK);
                    return;
                }
                server.events.emit(new Event.RelayDenied(origin, conn.id(), tx.sender, rcpt));
                reply(Reply.RELAY_DENIED, null);
            }
            case Resolution.Broken(String reason) -> {
                org.slf4j.LoggerFactory.getLogger(SmtpSession.class).warn(
                        "event=alias-broken session={} rcpt={} reason=\"{}\"", conn.id(), rcpt, reason);
                send(new Reply(451, "4.3.0", "Temporary lookup failure for this recipient"));
            }
        }
    }

    /** RFC 5321 4.5.1: "postmaster" without a domain must be accepted. */
    private Resolution resolvePostmaster() {
        for (String d : server.directory.localDomains().stream().sorted().toList()) {
            if (server.directory.resolve("postmaster@" + d) instanceof Resolution.Deliver del) {
                return del;
            }
        }
        return new Resolution.UnknownUser();
    }

    private void data() throws IOException {
        if (pipeliningViolation != null) {
            server.events.emit(new Event.UnauthPipelining(origin, conn.id(), pipeliningViolation));
            send(new Reply(554, "5.5.0", "Error: improper use of SMTP command pipelining"));
            closeWith("unauth-pipelining");
            return;
        }
        if (tx == null) {
            reply(Reply.MAIL_FIRST, "bad-sequence");
            return;
        }
        if (tx.recipients.isEmpty()) {
            reply(Reply.NO_VALID_RECIPIENTS, "bad-sequence");
            return;
        }
        MessageSink sink = openSink();
        if (sink == null) {
            return;
        }
        try (sink) {
            send(Reply.START_DATA);
            Reply failure;
            conn.deadline(Connection.Deadline.in(DATA, limits.dataTimeout())); // all of it, up to the final dot
            try {
                failure = readData(sink);
            } finally {
                conn.noDeadline();
            }
            if (closing) {
                return;
            }
            if (failure == null) {
                failure = tx.headerFailure;
            }
            if (failure != null) {
                reply(failure, "message-refused");
            } else {
                commit(sink);
            }
        } finally {
            tx = null;
        }
    }

    /**
     * Reads message data up to CRLF.CRLF. Only that sequence ends the data, never LF.LF or a lone "." after a
     * bare LF: that is what defeats SMTP smuggling. Limits are checked while reading; the data is consumed to
     * its end either way, so the session stays in step with the client.
     */
    private Reply readData(MessageSink sink) throws IOException {
        boolean prevCrlf = true;
        boolean tooLong = false;
        boolean bareLf = false;
        boolean nul = false;
        long size = sink.size();
        long maxSize = limits.maxMessageSize();
        boolean normalize = limits.bareLf() == Settings.BareLf.NORMALIZE;
        final byte[] crlf = {'\r', '\n'};
        while (true) {
            if (!readDataLine()) {
                return null;
            }
            int n = line.stored;
            if (prevCrlf && line.crlf && line.total == 3 && lineBuf[0] == '.') {
                break;
            }
            prevCrlf = line.crlf;
            int off = n > 0 && lineBuf[0] == '.' ? 1 : 0; // dot-unstuffing (RFC 5321 4.5.2)
            boolean lineBareLf = !line.crlf;
            size += line.total - off + (lineBareLf ? 1 : 0);
            if (size > maxSize) {
                sink.close();
                return drainTooBig(prevCrlf);
            }
            if (line.overflow || line.total - off > limits.maxLineLength()) {
                tooLong = true;
            }
            if (lineBareLf && !normalize) {
                bareLf = true;
            }
            nul |= line.nul;
            if (!tooLong && !bareLf && !nul) {
                if (lineBareLf) {
                    sink.write(lineBuf, off, n - off - 1);
                    sink.write(crlf, 0, 2);
                } else {
                    sink.write(lineBuf, off, n - off);
                }
            }
        }
        sink.finishHeader();
        if (nul) {
            return Reply.NUL_IN_DATA;
        }
        if (bareLf) {
            return Reply.BARE_LF_IN_DATA;
        }
        if (tooLong) {
            return new Reply(500, "5.5.2", "Message refused: a line is longer than " + limits.maxLineLength()
                    + " octets including CRLF (RFC 5321 4.5.3.1.6)");
        }
        return null;
    }

    /**
     * Past the size limit: consumes the rest of the data so that the 552 comes at the end of DATA, in step with
     * the client (RFC 1870 6.3). A client that goes on far beyond the limit is disconnected.
     */
    private Reply drainTooBig(boolean prevCrlf) throws IOException {
        long received = 0;
        long cap = limits.maxMessageSize() + (1 << 20);
        while (true) {
            if (!readDataLine()) {
                return null;
            }
            if (prevCrlf && line.crlf && line.total == 3 && lineBuf[0] == '.') {
                return tooBig();
            }
            received += line.total;
            if (received > cap) {
                sendQuietly(tooBig());
                closeWith("message-too-big");
                return null;
            }
            prevCrlf = line.crlf;
        }
    }

    /** Reads one line of message data; false (the session is closing) if the client left or abused the limit. */
    private boolean readDataLine() throws IOException {
        if (!input.readLine(line, lineBuf, limits.maxMessageSize() + (1 << 20))) {
            closeWith("client-closed-in-data");
            return false;
        }
        if (line.abusive) {
            // One line longer than the largest message: an endless stream, not mail.
            sendQuietly(tooBig());
            closeWith("message-too-big");
            return false;
        }
        return true;
    }

    private Reply tooBig() {
        return new Reply(552, "5.3.4", "Message size exceeds fixed maximum message size of "
                + limits.maxMessageSize() + " octets");
    }

    private void bdat(SmtpCommand.Bdat b) throws IOException {
        long size = b.size();
        long maxSize = limits.maxMessageSize();
        if (size > 2 * maxSize + (1 << 20)) {
            sendQuietly(tooBig());
            closeWith("message-too-big");
            return;
        }
        Reply refusal = helo == null ? Reply.HELO_FIRST
                : tx == null ? Reply.MAIL_FIRST
                : tx.recipients.isEmpty() ? Reply.NO_VALID_RECIPIENTS : null;
        if (refusal != null) {
            // RFC 3030 2: the chunk is read even when the command fails.
            if (!consume(size, null, Connection.Deadline.in(DATA, limits.dataTimeout()))) {
                return;
            }
            reply(refusal, "bad-sequence");
            return;
        }
        if (tx.dataDeadline == null) {
            tx.dataDeadline = Connection.Deadline.in(DATA, limits.dataTimeout()); // for all chunks up to LAST
        }
        if (tx.bdat == null) {
            tx.bdat = openSink();
            if (tx.bdat == null) {
                consume(size, null, tx.dataDeadline);
                tx = null;
                return;
            }
        }
        MessageSink sink = tx.bdatFailure == null ? tx.bdat : null;
        if (sink != null && sink.size() + size > maxSize) {
            tx.bdatFailure = tooBig();
            sink = null;
        }
        if (!consume(size, sink, tx.dataDeadline)) {
            return;
        }
        if (!b.last()) {
            send(new Reply(250, "2.0.0", size + " octets received"));
            return;
        }
        try (MessageSink s = tx.bdat) {
            if (tx.bdatFailure == null) {
                s.finishHeader();
            }
            Reply failure = tx.bdatFailure != null ? tx.bdatFailure : tx.headerFailure;
            if (failure != null) {
                reply(failure, "message-refused");
            } else {
                commit(s);
            }
        } finally {
            tx = null;
        }
    }

    /**
     * Reads exactly {@code size} bytes of a BDAT chunk into the sink (or nowhere), by {@code deadline}. False if
     * the client left.
     */
    private boolean consume(long size, MessageSink sink, Connection.Deadline deadline) throws IOException {
        byte[] buf = lineBuf;
        long left = size;
        conn.deadline(deadline);
        try {
            while (left > 0) {
                int n = input.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    closeReason = "client-closed-in-bdat";
                    closing = true;
                    return false;
                }
                if (sink != null) {
                    sink.write(buf, 0, n);
                }
                left -= n;
            }
            return true;
        } finally {
            conn.noDeadline();
        }
    }

    /** Where the message comes from, as the delivery pipeline's steps see it. */
    private Origin deliveryOrigin() {
        return new Origin(server.protocol(), origin.listener(), conn.clientIp(), helo, login, conn.id(),
                tx.txid);
    }

    /** Starts receiving into the delivery pipeline for the current transaction and writes our Received header. */
    private MessageSink openSink() {
        Reception reception = null;
        try {
            reception = server.delivery.receive(deliveryOrigin(), tx.sender, List.copyOf(tx.mailboxes.values()),
                    List.copyOf(tx.forwards));
            MessageSink sink = new MessageSink(reception, login != null ? this::submissionHeaders : null);
            byte[] received = receivedHeader().getBytes(StandardCharsets.UTF_8);
            sink.write(received, 0, received.length);
            return sink;
        } catch (IOException e) {
            if (reception != null) {
                reception.close();
            }
            server.events.emit(new Event.StoreFailure(origin, conn.id(), e.toString()));
            send(Reply.LOCAL_ERROR);
            return null;
        }
    }

    /** The verdict and the commit; the reply comes after them. */
    private void commit(MessageSink sink) throws IOException {
        switch (sink.deliver()) {
            case Reception.Result.Accepted(String id, int delivered, int queued) -> {
                server.events.emit(new Event.Delivered(origin, conn.id(), id, tx.sender, delivered, queued,
                        sink.size()));
                send(new Reply(250, "2.0.0", "Ok: queued as " + id));
            }
            case Reception.Result.Rejected(Reply reply) -> reply(reply, "message-refused");
            case Reception.Result.Failed(IOException e) -> {
                server.events.emit(new Event.StoreFailure(origin, conn.id(), e.toString()));
                send(Reply.LOCAL_ERROR);
            }
        }
    }

    /** RFC 5321 4.4 trace header; the "with" keyword per RFC 3848 / RFC 6531. */
    private String receivedHeader() {
        String with = (tx.utf8 ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP") + (conn.isTls() ? "S" : "")
                + (login != null ? "A" : "");
        if (!esmtp && conn.isTls()) {
            with = "SMTPS";
        }
        StringBuilder h = new StringBuilder(256);
        h.append("Received: from ").append(sanitize(helo));
        if (login == null || !server.submission.hideClientIp()) {
            h.append(" ([").append(conn.clientIp().getHostAddress()).append("])");
        }
        h.append("\r\n\tby ").append(server.hostname)
                .append(" (Mailwarden) with ").append(with).append(" id ").append(tx.txid);
        if (conn.socket() instanceof SSLSocket ssl) {
            SSLSession s = ssl.getSession();
            h.append("\r\n\t(using ").append(s.getProtocol()).append(" with cipher ").append(s.getCipherSuite())
                    .append(')');
        }
        if (tx.recipients.size() == 1) {
            h.append("\r\n\tfor <").append(sanitize(tx.recipients.getFirst())).append('>');
        }
        h.append("; ").append(RFC5322_DATE.format(ZonedDateTime.now())).append("\r\n");
        return h.toString();
    }

    /** Keeps client-chosen text from breaking the header's structure. */
    private static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < ' ' || c == '(' || c == ')' || c == ';' || c == '\\' ? '_' : c);
        }
        return b.toString();
    }

    private boolean ownsSender(String address) {
        return !server.submission.spoofProtection() || server.directory.mayUseSender(login, address);
    }

    private Reply notOwned(String address) {
        return new Reply(553, "5.7.1", "Sender address rejected: " + address + " is not owned by user " + login
                + "; to allow it, point an alias " + address + " at " + login
                + " (postfix-virtual.cf) or add '" + address + " " + login + "' to postfix-sender-login-maps.cf");
    }

    /**
     * Header check for authenticated mail: every From address must be the user's own (spoof protection), and a
     * missing Message-ID or Date is added (RFC 6409 8.2, 8.3).
     */
    private byte[] submissionHeaders(byte[] header) {
        SubmissionHeaders h = SubmissionHeaders.parse(header);
        if (server.submission.spoofProtection()) {
            for (String from : h.fromAddresses()) {
                if (from == null || !ownsSender(from)) {
                    String shown = from == null ? "(unreadable From header)" : from;
                    server.events.emit(new Event.SenderDenied(origin, conn.id(), login, shown, "header-from"));
                    tx.headerFailure = new Reply(553, "5.7.1", "Header From rejected: " + shown
                            + " is not owned by user " + login + "; to allow it, point an alias " + shown + " at "
                            + login + " (postfix-virtual.cf) or add it to postfix-sender-login-maps.cf");
                    break;
                }
            }
        }
        StringBuilder extra = new StringBuilder();
        if (!h.hasMessageId()) {
            extra.append("Message-ID: <").append(tx.txid).append('.').append(System.currentTimeMillis()).append('@')
                    .append(server.hostname).append(">\r\n");
        }
        if (!h.hasDate()) {
            extra.append("Date: ").append(RFC5322_DATE.format(ZonedDateTime.now())).append("\r\n");
        }
        return extra.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** AUTH PLAIN / LOGIN (RFC 4954, RFC 4616), only over TLS and only where AUTH is offered. */
    private void auth(SmtpCommand.Auth a) throws IOException {
        if (!server.authOffered()) {
            reply(new Reply(502, "5.5.1", "AUTH not available on this port; use the submission port 587 or 465"),
                    "auth");
            return;
        }
        if (!conn.isTls()) {
            reply(new Reply(538, "5.7.11", "Encryption required for requested authentication mechanism"), "auth");
            return;
        }
        if (login != null) {
            reply(new Reply(503, "5.5.1", "Already authenticated"), "bad-sequence");
            return;
        }
        if (helo == null || tx != null) {
            reply(new Reply(503, "5.5.1", helo == null ? "Send EHLO first" : "AUTH not allowed in a mail transaction"),
                    "bad-sequence");
            return;
        }
        Optional<SaslMechanism> mechanism = SaslMechanism.start(a.mechanism());
        if (mechanism.isEmpty()) {
            reply(new Reply(504, "5.5.4", "Unrecognized authentication mechanism; use PLAIN or LOGIN"), "syntax");
            return;
        }
        switch (SaslExchange.run(server.auth, conn, mechanism.get(), a.initialResponse(), saslChannel)) {
            case SaslExchange.Outcome.Success(org.mailwarden.directory.Account account) -> {
                login = account.address();
                send(new Reply(235, "2.7.0", "Authentication successful"));
            }
            case SaslExchange.Outcome.Rejected(Authenticator.Result.Failure(String reason, boolean temporary)) ->
                    reply(temporary ? new Reply(454, "4.7.0", "Temporary authentication failure")
                            : new Reply(535, "5.7.8", "Authentication credentials invalid"), null);
            case SaslExchange.Outcome.Cancelled() -> reply(new Reply(501, "5.0.0", "Authentication cancelled"), null);
            case SaslExchange.Outcome.BadBase64() ->
                    reply(new Reply(501, "5.5.2", "Cannot decode the base64 response"), "syntax");
            case SaslExchange.Outcome.Malformed() -> reply(new Reply(501, "5.5.2", "Malformed PLAIN response"), "syntax");
            case SaslExchange.Outcome.TooLong() ->
                    reply(new Reply(500, "5.5.6", "Authentication exchange line is too long"), "syntax");
            case SaslExchange.Outcome.Closed() -> closeWith("client-closed-in-auth");
        }
    }

    /** SASL over SMTP (RFC 4954 4): a 334 challenge, the answer on a line of its own, within the command timeout. */
    private final SaslChannel saslChannel = new SaslChannel() {
        @Override
        public Answer challenge(String base64) throws IOException {
            send(new Reply(334, null, base64));
            if (!readCommandLine() || line.abusive) {
                return new Answer.Closed();
            }
            return line.overflow ? new Answer.TooLong() : new Answer.Line(commandText());
        }

        @Override
        public void beforeCheck() {
            flush(); // replies already due go out before a failed login's delay
        }
    };

    private void startTls() throws IOException {
        if (conn.isTls()) {
            reply(Reply.TLS_ALREADY, "bad-sequence");
            return;
        }
        if (server.tls == null) {
            reply(Reply.TLS_UNAVAILABLE, null);
            return;
        }
        send(Reply.READY_FOR_TLS);
        flush();
        // anything pipelined after STARTTLS came in clear text: input.reset drops it (CVE-2011-0411)
        SSLSocket ssl = conn.startTls(server.tls, input.buffered() > 0, server.events);
        if (ssl == null) {
            closeReason = "tls-failure";
            closing = true;
            return;
        }
        input.reset(conn.input());
        out = new BufferedOutputStream(conn.output(), 16 * 1024);
        readTimeout(); // the handshake had its own
        // RFC 3207 4.2: the client must start over with EHLO.
        helo = null;
        esmtp = false;
        abortTransaction();
    }

    private void abortTransaction() {
        if (tx != null && tx.bdat != null) {
            tx.bdat.close();
        }
        tx = null;
    }

    /** Sends an error reply and counts it; too many errors end the session (421 4.7.0). */
    private void reply(Reply r, String reason) {
        send(r);
        if (reason != null && r.isPermanent() && r.enhanced() != null && r.enhanced().startsWith("5.5")) {
            server.events.emit(new Event.ProtocolError(origin, conn.id(), r.code(), reason));
        }
        if (r.isError() && ++errors >= limits.maxErrors()) {
            server.events.emit(new Event.TooManyErrors(origin, conn.id(), errors));
            send(Reply.TOO_MANY_ERRORS);
            closeReason = "too-many-errors";
            closing = true;
        }
    }

    private void protocolError(Reply r, String reason) {
        send(r);
        server.events.emit(new Event.ProtocolError(origin, conn.id(), r.code(), reason));
    }

    private void closeWith(String reason) {
        closeReason = reason;
        closing = true;
    }

    private void send(Reply r) {
        try {
            out.write(r.encode());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void sendQuietly(Reply r) {
        try {
            out.write(r.encode());
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void flushQuietly() {
        try {
            out.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
    }
}
