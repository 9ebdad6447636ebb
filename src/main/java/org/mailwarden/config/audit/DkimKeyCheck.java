package org.mailwarden.config.audit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A local domain without a DKIM key, where docker-mailserver keeps them:
 * {@code <config>/opendkim/keys/<domain>/mail.private}. Mail from such a domain fails DKIM, and with a DMARC
 * policy it may be rejected. Reserved test domains (.test, .example, .invalid, .localhost, RFC 2606/6761) never
 * send to the Internet, so for them it is only an info.
 */
final class DkimKeyCheck implements ConfigCheck {

    static final Set<String> RESERVED_TLDS = Set.of("test", "example", "invalid", "localhost");

    @Override
    public String name() {
        return "dkim-keys";
    }

    /** Where docker-mailserver's {@code setup config dkim} puts a domain's private key. */
    static Path keyFile(Path configDir, String domain) {
        return configDir.resolve("opendkim").resolve("keys").resolve(domain).resolve("mail.private");
    }

    @Override
    public List<Finding> run(AuditContext context) {
        List<Finding> out = new ArrayList<>();
        for (String domain : new TreeSet<>(context.directory().localDomains())) {
            Path key = keyFile(context.config().configDir(), domain);
            if (Files.exists(key)) {
                continue;
            }
            String fix = "create a key (mailwarden dkim keygen, coming; or docker-mailserver's setup config dkim) at "
                    + key + " and publish its TXT record at mail._domainkey." + domain;
            if (isReserved(domain)) {
                out.add(Finding.info("dkim.key-missing", "reserved test domain " + domain
                        + " has no DKIM key (it cannot send to the Internet anyway)", fix));
            } else {
                out.add(Finding.warning("dkim.key-missing", "local domain " + domain + " has no DKIM key; its mail "
                        + "fails DKIM and may be rejected by receivers enforcing DMARC", fix));
            }
        }
        return out;
    }

    static boolean isReserved(String domain) {
        String tld = domain.substring(domain.lastIndexOf('.') + 1);
        return RESERVED_TLDS.contains(tld) || !domain.contains(".");
    }
}
