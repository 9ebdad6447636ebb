package org.mailwarden.smtp;

import java.io.IOException;
import java.io.OutputStream;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.config.SmtpConfig;
import org.mailwarden.config.SubmissionConfig;
import org.mailwarden.delivery.DeliveryPipeline;
import org.mailwarden.directory.Directory;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.Connection;
import org.mailwarden.gate.ConnectionHandler;
import org.mailwarden.tls.TlsProvider;

/** The SMTP protocol server: what every SMTP session shares. Knows nothing of other protocols. */
public final class SmtpServer implements ConnectionHandler {

    /** Port 25 takes mail for local domains from anyone; submission requires authentication first. */
    public enum Mode { INBOUND, SUBMISSION }

    final Mode mode;
    final String hostname;
    final SmtpConfig limits;
    final Directory directory;
    final DeliveryPipeline delivery;
    final TlsProvider tls;
    final EventBus events;
    final SubmissionConfig submission;
    final Authenticator auth;

    public SmtpServer(Mode mode, String hostname, SmtpConfig limits, SubmissionConfig submission, Directory directory,
            Authenticator auth, DeliveryPipeline delivery, TlsProvider tls, EventBus events) {
        this.submission = submission;
        this.auth = auth;
        this.mode = mode;
        this.hostname = hostname;
        this.limits = limits;
        this.directory = directory;
        this.delivery = delivery;
        this.tls = tls;
        this.events = events;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new SmtpSession(this, connection).run();
    }

    @Override
    public void refuse(OutputStream out, String reason) throws IOException {
        out.write(new Reply(421, "4.7.0", hostname + " " + reason).encode());
        out.flush();
    }

    /** Clients that passed the pregreet test, until when (epoch ms). Bounded: cleared of expired entries when full. */
    private final java.util.concurrent.ConcurrentHashMap<java.net.InetAddress, Long> greetPassed =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final long GREET_PASS_MILLIS = 24 * 3600 * 1000L;
    private static final int GREET_PASS_MAX = 100_000;

    /** Port 25 holds the greeting back to catch clients that talk first, unless exempt or recently passed. */
    boolean needsGreetTest(java.net.InetAddress ip) {
        if (mode != Mode.INBOUND || limits.greetWait().isZero() || submission.isTrusted(ip)) {
            return false;
        }
        for (org.mailwarden.config.Cidr c : limits.greetExempt()) {
            if (c.contains(ip)) {
                return false;
            }
        }
        Long until = greetPassed.get(ip);
        return until == null || until < System.currentTimeMillis();
    }

    void greetTestPassed(java.net.InetAddress ip) {
        long now = System.currentTimeMillis();
        if (greetPassed.size() >= GREET_PASS_MAX) {
            greetPassed.values().removeIf(until -> until < now);
            if (greetPassed.size() >= GREET_PASS_MAX) {
                greetPassed.clear();
            }
        }
        greetPassed.put(ip, now + GREET_PASS_MILLIS);
    }

    /** reject_unauth_pipelining applies to strangers on port 25, not to authenticated or trusted clients. */
    boolean checksPipelining(java.net.InetAddress ip, boolean authenticated) {
        return mode == Mode.INBOUND && !authenticated && !submission.isTrusted(ip);
    }

    /** AUTH is offered on submission ports, and on port 25 only when configured. */
    boolean authOffered() {
        return mode == Mode.SUBMISSION || submission.authOnPort25();
    }

    @Override
    public String protocol() {
        return mode == Mode.INBOUND ? "smtp" : "submission";
    }
}
