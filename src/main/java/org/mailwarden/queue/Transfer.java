package org.mailwarden.queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.config.OutboundConfig;
import org.mailwarden.config.Settings;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.smtpclient.SmtpConnection;
import org.mailwarden.smtpclient.SmtpConnection.Reply;

/**
 * Delivers one message to the recipients of one destination domain over SMTP: resolves the route's hosts,
 * tries them in order until one takes a transaction, and returns a result per recipient.
 */
final class Transfer {

    enum Result { DELIVERED, DEFERRED, FAILED }

    /** What happened to one recipient. */
    record Outcome(String rcpt, Result result, int code, String detail, String host) {}

    /**
     * Takes the outcomes of a transfer the moment they are known, to record them durably: after the reply to the
     * message data and before QUIT, whose reply may take up to {@code outbound.timeout} or never come (a kill -9
     * in that time must not send the message again).
     */
    interface Recorder {
        void record(List<Outcome> outcomes) throws IOException;
    }

    /** A host to try: its name (for TLS and logs) and address. */
    private record Target(String name, InetSocketAddress address) {}

    /** Thrown inside a session when the peer stops being usable before a transaction started. */
    private static final class TryNext extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        TryNext(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private final OutboundConfig config;
    private final DnsResolver dns;
    private final String helo;

    Transfer(OutboundConfig config, DnsResolver dns, String helo) {
        this.config = config;
        this.dns = dns;
        this.helo = helo;
    }

    /** Delivers {@code payload} for {@code rcpts}; hands every recipient's outcome to {@code recorder}, once. */
    void deliver(Route route, String sender, List<String> rcpts, Payload payload, Recorder recorder)
            throws IOException {
        List<Outcome> left;
        try {
            left = attempt(route, sender, rcpts, payload, recorder);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (!left.isEmpty()) {
            recorder.record(left);
        }
    }

    /** Delivers; returns the outcomes not yet given to {@code recorder} (none when it was called). */
    private List<Outcome> attempt(Route route, String sender, List<String> rcpts, Payload payload,
            Recorder recorder) {
        List<Target> targets = new ArrayList<>();
        String routeError = switch (route) {
            case Route.Mx mx -> mxTargets(mx.domain(), targets);
            case Route.Relay r -> hostTargets(r.host(), r.port(), targets);
        };
        if (routeError != null) {
            boolean permanent = routeError.startsWith("5");
            return all(rcpts, permanent ? Result.FAILED : Result.DEFERRED, Integer.parseInt(routeError.substring(0, 3)),
                    routeError.substring(4), "-");
        }
        String lastError = "no usable host";
        String lastHost = "-";
        int lastCode = 451;
        for (Target t : targets) {
            lastHost = t.name() + "[" + t.address().getAddress().getHostAddress() + "]:" + t.address().getPort();
            try {
                return session(route, t, lastHost, sender, rcpts, payload, recorder);
            } catch (TryNext e) {
                lastError = e.getMessage();
                lastCode = e.code;
            }
        }
        // every host refused or was unreachable: a permanent refusal at the greeting counts as temporary here,
        // as another MX may come back (RFC 5321 5.1)
        return all(rcpts, Result.DEFERRED, lastCode >= 500 ? 451 : lastCode, lastError, lastHost);
    }

    private Result classify(Reply r) {
        return r.ok() ? Result.DELIVERED : r.temporary() ? Result.DEFERRED : Result.FAILED;
    }

    private List<Outcome> session(Route route, Target t, String hostLabel, String sender, List<String> rcpts,
            Payload payload, Recorder recorder) throws TryNext {
        Route.Relay relay = route instanceof Route.Relay r ? r : null;
        boolean implicit = relay != null && relay.tls() == Settings.RelayTls.IMPLICIT;
        boolean verify = relay != null && relay.verify();
        SmtpConnection c;
        try {
            c = SmtpConnection.open(t.address(), t.name(), implicit, verify, config.connectTimeout(), config.timeout());
        } catch (IOException e) {
            throw new TryNext(451, "connect to " + hostLabel + " failed: " + e.getMessage());
        }
        boolean transactionStarted = false;
        try (c) {
            Reply r = c.readReply();
            if (r.code() != 220) {
                c.quit();
                throw new TryNext(r.code(), "greeting: " + r.text());
            }
            r = c.hello(helo);
            if (!r.ok()) {
                c.quit();
                throw new TryNext(r.code(), "EHLO: " + r.text());
            }
            boolean credentials = relay != null && !relay.user().isEmpty();
            if (!c.isTls() && c.supports("STARTTLS")) {
                r = c.startTls();
                if (r.code() == 220) {
                    r = c.hello(helo);
                    if (!r.ok()) {
                        c.quit();
                        throw new TryNext(r.code(), "EHLO after STARTTLS: " + r.text());
                    }
                } else if (relay != null) {
                    c.quit();
                    throw new TryNext(451, "STARTTLS refused by relay: " + r.text());
                }
            }
            if (relay != null && !c.isTls() && credentials) {
                c.quit();
                throw new TryNext(451, "relay host " + hostLabel + " does not offer STARTTLS");
            }
            if (credentials) {
                r = c.authenticate(relay.user(), relay.password());
                if (!r.ok()) {
                    c.quit();
                    return all(rcpts, r.temporary() ? Result.DEFERRED : Result.FAILED, r.code(),
                            "AUTH at relay: " + r.text(), hostLabel);
                }
            }
            List<Outcome> out = new ArrayList<>();
            List<String> sendTo = refusedBeforeMail(c, hostLabel, sender, rcpts, payload, out);
            if (sendTo.isEmpty()) {
                c.quit();
                return out;
            }
            transactionStarted = true;
            r = c.command(mailFrom(c, sender, sendTo, payload));
            if (!r.ok()) {
                c.quit();
                out.addAll(all(sendTo, classify(r), r.code(), "MAIL FROM: " + r.text(), hostLabel));
                return out;
            }
            List<String> accepted = new ArrayList<>();
            for (String rcpt : sendTo) {
                r = c.command("RCPT TO:<" + rcpt + ">");
                if (r.ok()) {
                    accepted.add(rcpt);
                } else {
                    out.add(new Outcome(rcpt, classify(r), r.code(), "RCPT TO: " + r.text(), hostLabel));
                }
            }
            if (accepted.isEmpty()) {
                c.quit();
                return out;
            }
            r = c.command("DATA");
            if (r.code() != 354) {
                c.quit();
                for (String rcpt : accepted) {
                    out.add(new Outcome(rcpt, r.code() >= 500 ? Result.FAILED : Result.DEFERRED, r.code(),
                            "DATA: " + r.text(), hostLabel));
                }
                return out;
            }
            try (InputStream body = payload.open()) {
                r = c.sendData(body);
            }
            for (String rcpt : accepted) {
                out.add(new Outcome(rcpt, classify(r), r.code(), r.text(), hostLabel));
            }
            try {
                recorder.record(out); // before QUIT: its reply may be slow to come, or never come
            } catch (IOException e) {
                throw new UncheckedIOException(e); // not a network failure: out of this catch, then rethrown
            }
            c.quit();
            return List.of();
        } catch (IOException e) {
            if (!transactionStarted) {
                throw new TryNext(451, hostLabel + ": " + e.getMessage());
            }
            // lost in the middle of a transaction: nothing was accepted, try again later
            return all(rcpts, Result.DEFERRED, 451, hostLabel + ": " + e.getMessage(), hostLabel);
        }
    }

    /**
     * What this host cannot take, decided from its EHLO reply before MAIL FROM: adds a permanent failure to
     * {@code out} for each such recipient and returns the ones left to send to (none: the whole message).
     */
    private static List<String> refusedBeforeMail(SmtpConnection c, String hostLabel, String sender,
            List<String> rcpts, Payload payload, List<Outcome> out) {
        long limit = sizeLimit(c);
        if (limit > 0 && payload.size() > limit) {
            // RFC 1870: a message larger than the server's fixed limit is not sent to it
            out.addAll(all(rcpts, Result.FAILED, 552, "552 5.3.4 message size " + payload.size()
                    + " exceeds the size limit " + limit + " of " + hostLabel, hostLabel));
            return List.of();
        }
        if (c.supports("SMTPUTF8")) {
            return rcpts;
        }
        // RFC 6531: an address with non-ASCII characters needs SMTPUTF8; there is no downgrade for it
        if (!ascii(sender)) {
            out.addAll(all(rcpts, Result.FAILED, 553, noSmtpUtf8(hostLabel, sender), hostLabel));
            return List.of();
        }
        List<String> left = new ArrayList<>();
        for (String rcpt : rcpts) {
            if (ascii(rcpt)) {
                left.add(rcpt);
            } else {
                out.add(new Outcome(rcpt, Result.FAILED, 553, noSmtpUtf8(hostLabel, rcpt), hostLabel));
            }
        }
        return left;
    }

    private static String noSmtpUtf8(String hostLabel, String address) {
        return "553 5.6.7 " + hostLabel + " does not support SMTPUTF8 (RFC 6531), needed for <" + address + ">";
    }

    /**
     * MAIL FROM with the parameters the host offers and the message needs: SIZE (RFC 1870), BODY=8BITMIME
     * (RFC 6152), SMTPUTF8 (RFC 6531) when the sender or a recipient of this transaction is not ASCII.
     */
    private static String mailFrom(SmtpConnection c, String sender, List<String> rcpts, Payload payload) {
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(sender).append('>');
        if (c.supports("SIZE")) {
            mail.append(" SIZE=").append(payload.size());
        }
        // An 8-bit message to a host without 8BITMIME is sent as it is, without BODY=. RFC 6152 (like RFC 1652
        // before it) wants it converted to 7 bit or bounced instead; converting would break the DKIM
        // signatures, and bouncing loses mail that nearly every such server takes anyway. Postfix, too, sends
        // unchanged the 8-bit data it does not convert (all of it with disable_mime_output_conversion = yes).
        if (payload.eightBit() && c.supports("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (!ascii(sender) || !rcpts.stream().allMatch(Transfer::ascii)) {
            mail.append(" SMTPUTF8"); // offered: refusedBeforeMail kept non-ASCII addresses away otherwise
        }
        return mail.toString();
    }

    /** The host's fixed message size limit (RFC 1870 SIZE), or 0 when it declares none. */
    private static long sizeLimit(SmtpConnection c) {
        if (!c.supports("SIZE")) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(c.extensionParams("SIZE").strip()));
        } catch (NumberFormatException e) {
            return 0; // "SIZE" alone, or something unreadable: no fixed limit
        }
    }

    private static boolean ascii(String s) {
        return s.chars().allMatch(ch -> ch < 0x80);
    }

    /** MX hosts in preference order, each with its addresses; or an error "NNN text" for all recipients. */
    private String mxTargets(String domain, List<Target> out) {
        Answer<DnsResolver.Mx> mx = dns.mx(domain);
        List<String> hosts = new ArrayList<>();
        switch (mx) {
            case Answer.Found<DnsResolver.Mx> f -> {
                if (f.values().size() == 1 && f.values().get(0).host().isEmpty()) {
                    return "556 5.1.10 domain " + domain + " does not accept mail (null MX, RFC 7505)";
                }
                for (DnsResolver.Mx m : f.values()) {
                    if (!m.host().isEmpty()) {
                        hosts.add(m.host());
                    }
                }
            }
            case Answer.NoSuchDomain<DnsResolver.Mx> n -> {
                return "550 5.1.2 domain " + domain + " does not exist";
            }
            case Answer.NoRecords<DnsResolver.Mx> n -> hosts.add(domain); // implicit MX (RFC 5321 5.1)
            case Answer.TempFailure<DnsResolver.Mx> t -> {
                return "451 4.4.3 " + t.reason();
            }
        }
        String firstError = null;
        for (String h : hosts) {
            String e = hostTargets(h, config.port(), out);
            if (e != null && firstError == null) {
                firstError = e;
            }
        }
        if (out.isEmpty()) {
            if (firstError != null && firstError.startsWith("5") && mx instanceof Answer.NoRecords<?>) {
                return "550 5.1.2 domain " + domain + " has no MX and no address records";
            }
            return firstError != null && firstError.startsWith("4") ? firstError
                    : "451 4.4.4 no address for the MX hosts of " + domain;
        }
        return null;
    }

    private String hostTargets(String host, int port, List<Target> out) {
        if (host.matches("[0-9.]+") || host.contains(":")) {
            try {
                out.add(new Target(host, new InetSocketAddress(InetAddress.getByName(host), port)));
                return null;
            } catch (IOException e) {
                return "550 5.1.2 bad address " + host;
            }
        }
        return switch (dns.addresses(host)) {
            case Answer.Found<InetAddress> f -> {
                for (InetAddress a : f.values()) {
                    out.add(new Target(host, new InetSocketAddress(a, port)));
                }
                yield null;
            }
            case Answer.NoSuchDomain<InetAddress> n -> "550 5.1.2 host " + host + " does not exist";
            case Answer.NoRecords<InetAddress> n -> "550 5.1.2 host " + host + " has no address";
            case Answer.TempFailure<InetAddress> t -> "451 4.4.3 " + t.reason();
        };
    }

    static List<Outcome> all(List<String> rcpts, Result result, int code, String detail, String host) {
        return rcpts.stream().map(r -> new Outcome(r, result, code, detail, host)).toList();
    }
}
