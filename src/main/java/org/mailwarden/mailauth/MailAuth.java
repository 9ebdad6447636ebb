package org.mailwarden.mailauth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.ConfigException;
import org.mailwarden.config.MailAuthConfig;
import org.mailwarden.config.Settings;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.gate.Networks;
import org.mailwarden.mailauth.dmarc.DmarcReports;
import org.mailwarden.mailauth.dmarc.DmarcVerifier;
import org.mailwarden.mailauth.dmarc.PublicSuffixList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of incoming mail, assembled from the configuration: the {@link MailAuthStep} the server registers in
 * its delivery pipeline, and the DMARC aggregate reports with the background thread that sends them once a day.
 */
public final class MailAuth implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailAuth.class);
    private static final Duration REPORT_CHECK = Duration.ofHours(1);

    private final MailAuthStep step;
    private final DmarcReports reports;
    private volatile Thread reporter;

    private MailAuth(MailAuthStep step, DmarcReports reports) {
        this.step = step;
        this.reports = reports;
    }

    /**
     * @param dns    the resolver the checks share (its cache)
     * @param state  the server's state dir (reports are collected in {@code state/dmarc})
     * @param sender where report messages go (the outbound queue)
     */
    public static MailAuth create(MailAuthConfig c, List<Cidr> trustedNetworks, String hostname, DnsResolver dns,
            Path state, DmarcReports.Sender sender, Clock clock) {
        PublicSuffixList psl = null;
        if (c.dmarc()) {
            Path file = c.publicSuffixList();
            if (!Files.isReadable(file)) {
                throw new ConfigException(Settings.PUBLIC_SUFFIX_LIST.key() + " = " + file + ": no such file. Fix: "
                        + "install Debian's publicsuffix package (apt-get install publicsuffix; ./mailwarden does it "
                        + "when run as root), point " + Settings.PUBLIC_SUFFIX_LIST.key() + " at a copy of the Public "
                        + "Suffix List, or turn DMARC off (" + Settings.DMARC_CHECK.key() + " = 0, ENABLE_OPENDMARC=0)");
            }
            try {
                psl = PublicSuffixList.load(file);
            } catch (IOException e) {
                throw new ConfigException(Settings.PUBLIC_SUFFIX_LIST.key() + " = " + file + " cannot be read as "
                        + "the Public Suffix List (" + e.getMessage() + "). Fix: point it at Debian's "
                        + PublicSuffixList.DEBIAN);
            }
        }
        TxtLookup txt = TxtLookup.of(dns);
        DmarcVerifier dmarc = psl == null ? null : new DmarcVerifier(txt, psl, new HashSet<>(c.arcTrustedSealers()),
                c.dmarcMode() == Settings.DmarcMode.ENFORCE, () -> ThreadLocalRandom.current().nextInt(100));
        DmarcReports reports = psl != null && c.dmarcReports() ? new DmarcReports(state.resolve("dmarc"), clock,
                hostname, c.dmarcReportFrom(), hostname, txt, psl, sender) : null;
        MailAuthStep step = new MailAuthStep(hostname, new DnsMailChecks(dns, clock), dmarc, reports,
                new MailAuthStep.Policy(c.spf(), c.dkim(), c.arc(), c.dmarc() && dmarc != null, c.spfRejectFail(),
                        c.rejectUnknownClient(), c.deferOnDnsFailure()), ip -> Networks.contains(c.ignoreHosts(), ip)
                        || Networks.contains(trustedNetworks, ip));
        return new MailAuth(step, reports);
    }

    public MailAuthStep step() {
        return step;
    }

    /** The aggregate reports (null when DMARC or its reports are off). */
    public DmarcReports reports() {
        return reports;
    }

    /** Starts sending each finished day's reports: now (a day left from before a restart), then every hour. */
    public MailAuth start() {
        if (reports != null) {
            reporter = Thread.ofVirtual().name("dmarc-reports").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        reports.sendDue();
                        Thread.sleep(REPORT_CHECK);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        LOG.warn("event=dmarc-report-failed reason=\"{}\"", e.toString());
                    }
                }
            });
        }
        return this;
    }

    @Override
    public void close() {
        Thread t = reporter;
        if (t != null) {
            t.interrupt();
        }
    }
}
