package org.mailwarden.mailauth;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mailwarden.delivery.DeliveryStep;
import org.mailwarden.delivery.Envelope;
import org.mailwarden.delivery.HeaderField;
import org.mailwarden.delivery.HeaderSection;
import org.mailwarden.delivery.Judgement;
import org.mailwarden.delivery.MessageView;
import org.mailwarden.delivery.Origin;
import org.mailwarden.delivery.Target;
import org.mailwarden.delivery.Verdict;
import org.mailwarden.mail.AddressList;
import org.mailwarden.mail.HeaderFilter;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.dmarc.DmarcOutcome;
import org.mailwarden.mailauth.dmarc.DmarcRecord.Disposition;
import org.mailwarden.mailauth.dmarc.DmarcReports;
import org.mailwarden.mailauth.dmarc.DmarcVerifier;
import org.mailwarden.mailauth.iprev.Iprev;
import org.mailwarden.mailauth.iprev.IprevOutcome;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.mailwarden.mailauth.spf.SpfResult;
import org.mailwarden.smtp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail-authentication step of the delivery pipeline: for mail from outside (not authenticated, with a client
 * address) it runs iprev, SPF (MAIL FROM and HELO), DKIM, ARC and DMARC, adds one Authentication-Results field with
 * our authserv-id at the top of every delivered copy (RFC 8601), and applies the results: a DMARC {@code reject}
 * refuses the message (550 5.7.1), {@code quarantine} files it in Junk, an SPF fail is refused (550 5.7.23) as
 * docker-mailserver's policyd-spf does, a client without forward-confirmed reverse DNS is refused when configured
 * (POSTFIX_REJECT_UNKNOWN_CLIENT_HOSTNAME), and a DNS failure that decides the outcome defers (451), never bounces.
 * For every message, also submissions, any Authentication-Results field already in it that claims our authserv-id
 * is left out of the delivered copies (forged, RFC 8601 5).
 */
public final class MailAuthStep implements DeliveryStep {

    private static final Logger LOG = LoggerFactory.getLogger(MailAuthStep.class);
    static final String JUNK = "Junk";

    /** What the step checks and enforces. */
    public record Policy(boolean spf, boolean dkim, boolean arc, boolean dmarc, boolean spfRejectFail,
            boolean rejectUnknownClient, boolean deferOnTemperror) {

        /** Whether anything is checked (else the step only removes forged Authentication-Results fields). */
        boolean any() {
            return spf || dkim || arc || dmarc || rejectUnknownClient;
        }
    }

    private final String authservId;
    private final MailChecks checks;
    private final DmarcVerifier dmarc;
    private final DmarcReports reports;
    private final Policy policy;
    private final java.util.function.Predicate<java.net.InetAddress> unchecked;

    /** Checking mail from every client (tests). */
    public MailAuthStep(String authservId, MailChecks checks, DmarcVerifier dmarc, DmarcReports reports,
            Policy policy) {
        this(authservId, checks, dmarc, reports, policy, ip -> false);
    }

    /**
     * @param reports   where DMARC evaluations are recorded for aggregate reports; null: none are
     * @param unchecked clients whose mail is not checked (loopback, trusted networks: our own relays)
     */
    public MailAuthStep(String authservId, MailChecks checks, DmarcVerifier dmarc, DmarcReports reports,
            Policy policy, java.util.function.Predicate<java.net.InetAddress> unchecked) {
        this.unchecked = unchecked;
        this.authservId = authservId.toLowerCase(Locale.ROOT);
        this.checks = checks;
        this.dmarc = dmarc;
        this.reports = reports;
        this.policy = policy;
    }

    @Override
    public String name() {
        return "mailauth";
    }

    /** Drops Authentication-Results fields that claim to be ours. */
    HeaderFilter forged() {
        return (name, value) -> name.equalsIgnoreCase("Authentication-Results")
                && AuthenticationResults.authservIdOf(value).equals(authservId);
    }

    @Override
    public Judgement judge(MessageView message, Envelope envelope) throws IOException {
        Origin o = message.origin();
        HeaderSection header = message.header();
        HeaderFilter forged = forged();
        int forgeries = 0;
        for (HeaderSection.Field f : header.fields()) {
            forgeries += forged.drop(f.name(), f.value()) ? 1 : 0;
        }
        if (forgeries > 0) {
            LOG.info("event=auth-results-forged id={} fields={} client={}", o.messageId(), forgeries, o.clientIp()
                    == null ? "-" : o.clientIp().getHostAddress());
        }
        // only a message holding a forgery is rewritten without it: the others keep the one-write path
        Judgement j = forgeries > 0 ? Judgement.NONE.dropping(forged) : Judgement.NONE;
        AuthenticationResults ar = new AuthenticationResults(authservId);
        if (o.authenticated()) {
            ar.add("auth", "pass", null, "smtp.auth", o.login());
            return j.adding(new HeaderField("Authentication-Results", ar.value()));
        }
        if (o.clientIp() == null || !policy.any() || unchecked.test(o.clientIp())) {
            return j; // checks off, or mail of our own (a bounce) or of an unknown origin: nothing to check
        }
        String helo = o.helo() == null ? "" : o.helo();
        MailChecks checks = this.checks.forMessage();
        IprevOutcome iprev = checks.iprev(o.clientIp());
        ar.add("iprev", iprev.result().keyword(), iprev.name() != null ? iprev.name() : iprev.problem(),
                "policy.iprev", o.clientIp().getHostAddress());

        SpfOutcome spf = null;
        if (policy.spf()) {
            spf = checks.spfMailFrom(o.clientIp(), helo, envelope.sender());
            ar.add("spf", spf.result().keyword(), spfComment(spf), "smtp.mailfrom", envelope.sender().isEmpty()
                    ? helo : mailFromProperty(envelope.sender()));
            SpfOutcome heloSpf = checks.spfHelo(o.clientIp(), helo);
            if (heloSpf != null) {
                ar.add("spf", heloSpf.result().keyword(), spfComment(heloSpf), "smtp.helo", helo);
            }
        }
        List<DkimOutcome> dkim = List.of();
        if (policy.dkim()) {
            dkim = checks.dkim(message);
            if (dkim.isEmpty()) {
                ar.add("dkim", "none", null);
            }
            for (DkimOutcome d : dkim) {
                ar.add("dkim", d.result().keyword(), dkimComment(d), "header.d", d.domain(), "header.i", d.identity(),
                        "header.s", d.selector(), "header.a", d.algorithm(), "header.b", d.headerB());
            }
        }
        ArcOutcome arc = ArcOutcome.NONE;
        if (policy.arc()) {
            arc = checks.arc(message);
            ar.add("arc", arc.result().keyword(), arc.reason(), "smtp.remote-ip", null);
        }
        DmarcOutcome dm = null;
        List<String> fromFields = header.values("From");
        if (policy.dmarc() && dmarc != null) {
            List<String> domains = new ArrayList<>();
            for (String from : fromFields) {
                for (AddressList.Mailbox m : AddressList.mailboxes(from)) {
                    if (m.domain() != null && !m.domain().isEmpty()) {
                        domains.add(m.domainLowerCase());
                    }
                }
            }
            dm = dmarc.evaluate(checks.txt(), domains, spf, dkim, arc);
            String comment = dm.record() == null ? dm.problem()
                    : "p=" + dm.record().p().keyword() + " sp=" + dm.record().sp().keyword() + " dis="
                            + dm.applied().keyword() + (dm.override() == null ? "" : " override="
                            + dm.override().keyword());
            ar.add("dmarc", dm.result().keyword(), comment, "header.from", dm.fromDomain());
            if (reports != null && dm.record() != null && !dm.record().rua().isEmpty()) {
                reports.record(o, envelope.sender(), dm, spf, dkim);
            }
        }
        j = j.adding(new HeaderField("Authentication-Results", ar.value()));
        LOG.info("event=mailauth id={} client={} {}", o.messageId(), o.clientIp().getHostAddress(),
                logLine(iprev, spf, dkim, arc, dm));
        Verdict verdict = verdict(iprev, spf, arc, dm);
        return verdict == null ? j : withAll(j, envelope, verdict);
    }

    /** What the results mean for every recipient: null to deliver as usual. */
    private Verdict verdict(IprevOutcome iprev, SpfOutcome spf, ArcOutcome arc, DmarcOutcome dm) {
        if (policy.rejectUnknownClient()) {
            var refusal = Iprev.rejectUnknownClient(iprev);
            if (refusal.isPresent()) { // "450 4.7.25 text" or "550 5.7.25 text"
                String[] r = refusal.get().split(" ", 3);
                Reply reply = new Reply(Integer.parseInt(r[0]), r[1], r[2]);
                return reply.code() >= 500 ? new Verdict.Refuse(reply) : new Verdict.Defer(reply);
            }
        }
        if (dm != null) {
            switch (dm.result()) {
                case TEMPERROR -> {
                    if (policy.deferOnTemperror() && (dm.record() == null || dm.requested() != Disposition.NONE)) {
                        return new Verdict.Defer(new Reply(451, "4.4.3",
                                "Temporary DNS failure while checking DMARC for " + dm.fromDomain() + "; try again"));
                    }
                }
                case FAIL, PASS, NONE, PERMERROR -> { }
            }
            switch (dm.applied()) {
                case REJECT -> {
                    return new Verdict.Refuse(new Reply(550, "5.7.1", "Message rejected: it fails the DMARC policy of "
                            + dm.fromDomain()));
                }
                case QUARANTINE -> {
                    return new Verdict.Deliver(Target.folder(JUNK));
                }
                case NONE -> { }
            }
        }
        boolean trustedArc = dm != null && dm.override() == DmarcOutcome.Override.TRUSTED_FORWARDER;
        if (spf != null && policy.spfRejectFail() && spf.result() == SpfResult.FAIL && !trustedArc
                && (dm == null || dm.result() != DmarcOutcome.Result.PASS)) {
            return new Verdict.Refuse(new Reply(550, "5.7.23", "SPF check failed for " + spf.domain()
                    + (spf.explanation() == null ? "" : ": " + spf.explanation())));
        }
        if (spf != null && policy.deferOnTemperror() && spf.result() == SpfResult.TEMPERROR && policy.spfRejectFail()
                && (dm == null || dm.result() != DmarcOutcome.Result.PASS)) {
            return new Verdict.Defer(new Reply(451, "4.4.3", "Temporary DNS failure while checking SPF for "
                    + spf.domain() + "; try again"));
        }
        return null;
    }

    private static Judgement withAll(Judgement j, Envelope envelope, Verdict v) {
        for (var r : envelope.recipients()) {
            j = j.with(r, v);
        }
        // a refusal or deferral keeps the message from being sent on through an alias; Junk is no place for them
        return v instanceof Verdict.Deliver || envelope.forwards().isEmpty() ? j : j.withForwards(v);
    }

    private static String spfComment(SpfOutcome s) {
        return s.problem() != null ? s.problem() : s.domain() == null ? null : "domain of " + s.domain();
    }

    private static String dkimComment(DkimOutcome d) {
        String c = d.reason();
        if (d.bodyPartlyCovered()) {
            c = (c == null ? "" : c + "; ") + "body partly signed (l=): content after it is not covered";
        }
        return c;
    }

    /** The MAIL FROM as an Authentication-Results property: the address, or only its domain when unusual. */
    private static String mailFromProperty(String sender) {
        int at = sender.lastIndexOf('@');
        String local = at > 0 ? sender.substring(0, at) : "";
        return local.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+") ? sender : at >= 0 ? sender.substring(at + 1) : sender;
    }

    private static String logLine(IprevOutcome iprev, SpfOutcome spf, List<DkimOutcome> dkim, ArcOutcome arc,
            DmarcOutcome dm) {
        StringBuilder b = new StringBuilder("iprev=").append(iprev.result().keyword());
        if (spf != null) {
            b.append(" spf=").append(spf.result().keyword());
        }
        b.append(" dkim=");
        if (dkim.isEmpty()) {
            b.append("none");
        }
        for (int i = 0; i < dkim.size(); i++) {
            b.append(i == 0 ? "" : ",").append(dkim.get(i).result().keyword());
        }
        b.append(" arc=").append(arc.result().keyword());
        if (dm != null) {
            b.append(" dmarc=").append(dm.result().keyword()).append(" from=").append(dm.fromDomain()).append(
                    " dis=").append(dm.applied().keyword());
        }
        return b.toString();
    }
}
