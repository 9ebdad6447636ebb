package org.mailwarden.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The checks of incoming mail (the {@code mailauth.*} settings; docker-mailserver's ENABLE_POLICYD_SPF,
 * ENABLE_OPENDKIM, ENABLE_OPENDMARC and POSTFIX_REJECT_UNKNOWN_CLIENT_HOSTNAME), part of {@link ServerConfig}.
 */
public record MailAuthConfig(boolean spf, boolean spfRejectFail, boolean dkim, boolean arc,
        List<String> arcTrustedSealers, boolean dmarc, Settings.DmarcMode dmarcMode, boolean dmarcReports,
        String dmarcReportFrom, Path publicSuffixList, boolean deferOnDnsFailure, boolean rejectUnknownClient,
        List<Cidr> ignoreHosts) {

    public MailAuthConfig {
        arcTrustedSealers = List.copyOf(arcTrustedSealers);
        ignoreHosts = List.copyOf(ignoreHosts);
    }

    /** Where settings come from (the config file, resolved by ServerConfig). */
    interface Source {
        <T> T get(Setting<T> s);
    }

    static MailAuthConfig load(Source v, String hostname) {
        List<String> sealers = Arrays.stream(v.get(Settings.ARC_TRUSTED_SEALERS).split("[,\\s]+")).map(String::strip)
                .filter(s -> !s.isEmpty()).map(s -> s.toLowerCase(Locale.ROOT)).toList();
        String from = v.get(Settings.DMARC_REPORT_FROM).strip();
        if (from.isEmpty()) {
            from = "noreply-dmarc@" + hostname;
        } else if (from.indexOf('@') <= 0) {
            throw new ConfigException("mailauth.dmarc-report-from = " + from + " is not an address: set it to the "
                    + "address DMARC reports are sent from, or leave it empty for noreply-dmarc@" + hostname);
        }
        MailAuthConfig c = new MailAuthConfig(v.get(Settings.SPF_CHECK), v.get(Settings.SPF_REJECT_FAIL), v.get(Settings.DKIM_CHECK),
                v.get(Settings.ARC_CHECK), sealers, v.get(Settings.DMARC_CHECK), v.get(Settings.DMARC_MODE),
                v.get(Settings.DMARC_REPORTS), from, Path.of(v.get(Settings.PUBLIC_SUFFIX_LIST)),
                v.get(Settings.DEFER_ON_DNS_FAILURE), v.get(Settings.REJECT_UNKNOWN_CLIENT),
                v.get(Settings.MAILAUTH_IGNORE_HOSTS));
        return v.get(Settings.MAILAUTH_ENABLED) ? c : c.off();
    }

    /** Whether any check runs. */
    public boolean anyCheck() {
        return spf || dkim || arc || dmarc || rejectUnknownClient;
    }

    /** With every check off (tests of other parts that send mail from made-up domains). */
    public MailAuthConfig off() {
        return new MailAuthConfig(false, false, false, false, arcTrustedSealers, false, dmarcMode, false,
                dmarcReportFrom, publicSuffixList, deferOnDnsFailure, false, ignoreHosts);
    }
}
