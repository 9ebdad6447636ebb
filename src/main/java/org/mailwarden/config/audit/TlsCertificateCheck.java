package org.mailwarden.config.audit;

import java.net.IDN;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.tls.PemTlsProvider;
import org.mailwarden.tls.SelfSigned;

/**
 * The certificate the server will serve (tls.cert / tls.key, else the self-signed pair in {@code <data>/tls}):
 * unusable or expired (critical), expiring within 30 days (warning), not valid for the configured host name
 * (warning), self-signed (info). Never creates a certificate.
 */
final class TlsCertificateCheck implements ConfigCheck {

    static final Duration EXPIRY_WARNING = Duration.ofDays(30);

    @Override
    public String name() {
        return "tls-certificate";
    }

    @Override
    public List<Finding> run(AuditContext context) {
        ServerConfig config = context.config();
        boolean configured = config.tlsCert() != null;
        Path cert = configured ? config.tlsCert() : config.tlsDir().resolve(SelfSigned.CERT_FILE);
        Path key = configured ? config.tlsKey() : config.tlsDir().resolve(SelfSigned.KEY_FILE);
        if (!configured && !Files.exists(cert) && !Files.exists(key)) {
            return List.of(Finding.info("tls.self-signed", "no certificate configured: a self-signed one for "
                    + config.hostname() + " is created in " + config.tlsDir() + " at start",
                    "set tls.cert and tls.key (SSL_CERT_PATH / SSL_KEY_PATH) to a CA-issued certificate"));
        }
        X509Certificate leaf;
        try {
            leaf = new PemTlsProvider(cert, key, Duration.ZERO).leafCertificate();
        } catch (RuntimeException e) {
            return List.of(Finding.critical("tls.unusable", "the TLS certificate cannot be used: " + e.getMessage(),
                    "fix tls.cert / tls.key (SSL_CERT_PATH / SSL_KEY_PATH) to name a matching fullchain.pem and "
                            + "privkey.pem" + (configured ? "" : ", or remove " + config.tlsDir()
                            + " to have a new self-signed pair created")));
        }
        List<Finding> out = new ArrayList<>();
        Instant notAfter = leaf.getNotAfter().toInstant();
        Instant now = context.now();
        String renew = configured ? "renew it (certbot renew, or your ACME client) and replace " + cert
                + "; the server picks the new files up without a restart"
                : "delete " + cert + " and " + key + " and restart to get a new self-signed pair, or configure a "
                        + "CA-issued certificate with tls.cert / tls.key";
        if (!notAfter.isAfter(now)) {
            out.add(Finding.critical("tls.expired", "the TLS certificate " + cert + " expired on " + notAfter
                    + "; clients that check certificates cannot connect", renew));
        } else if (notAfter.isBefore(now.plus(EXPIRY_WARNING))) {
            long days = Duration.between(now, notAfter).toDays();
            out.add(Finding.warning("tls.expiring", "the TLS certificate " + cert + " expires on " + notAfter
                    + " (in " + days + " day" + (days == 1 ? "" : "s") + ")", renew));
        }
        String host = config.hostname();
        if (!covers(leaf, host)) {
            out.add(Finding.warning("tls.hostname-mismatch", "the TLS certificate " + cert + " is not valid for the "
                    + "host name " + host + " (it names " + names(leaf) + ")", "get a certificate for " + host
                    + ", or set hostname (OVERRIDE_HOSTNAME) to a name the certificate covers"));
        }
        if (leaf.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
            out.add(Finding.info("tls.self-signed", "the TLS certificate " + cert + " is self-signed: mail is "
                    + "encrypted, but clients cannot verify the server", "set tls.cert and tls.key (SSL_CERT_PATH / "
                    + "SSL_KEY_PATH) to a CA-issued certificate, e.g. from Let's Encrypt"));
        }
        return out;
    }

    /** RFC 6125: DNS names from subjectAltName (a wildcard covers one left-most label); the CN only without SANs. */
    static boolean covers(X509Certificate cert, String hostname) {
        String host = normalize(hostname);
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == 2) {
                        dns.add(normalize((String) san.get(1)));
                    } else if (type == 7) {
                        ips.add((String) san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        if (ips.contains(host)) {
            return true;
        }
        if (dns.isEmpty() && ips.isEmpty()) {
            String cn = commonName(cert);
            if (cn != null) {
                dns.add(normalize(cn));
            }
        }
        for (String name : dns) {
            if (name.equals(host)) {
                return true;
            }
            if (name.startsWith("*.") && host.indexOf('.') > 0
                    && host.substring(host.indexOf('.') + 1).equals(name.substring(2))) {
                return true;
            }
        }
        return false;
    }

    private static String names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    names.add(String.valueOf(san.get(1)));
                }
            }
        } catch (CertificateParsingException e) {
            // fall through to the CN
        }
        if (names.isEmpty()) {
            names.add("CN=" + commonName(cert));
        }
        return String.join(", ", names);
    }

    private static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    private static String normalize(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        try {
            return IDN.toASCII(n, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return n.toLowerCase(Locale.ROOT);
        }
    }
}
