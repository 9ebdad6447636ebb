package org.mailwarden.mailauth.dmarc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The Public Suffix List (publicsuffix.org) as Debian's {@code publicsuffix} package ships it
 * ({@code /usr/share/publicsuffix/public_suffix_list.dat}), for DMARC's organizational domain (RFC 7489 3.2): the
 * public suffix of a name plus one label. Rules are exact names, wildcards ({@code *.ck}) and exceptions
 * ({@code !www.ck}); a name no rule covers has its last label as the suffix (the list's "*" default rule). Both
 * sections of the list (ICANN and private) are used, as the RFC's reference to the list implies.
 */
public final class PublicSuffixList {

    /** Where Debian's publicsuffix package puts the list. */
    public static final Path DEBIAN = Path.of("/usr/share/publicsuffix/public_suffix_list.dat");

    private final Set<String> exact = new HashSet<>();
    private final Set<String> wildcard = new HashSet<>(); // "ck" for "*.ck"
    private final Set<String> exception = new HashSet<>(); // "www.ck" for "!www.ck"

    private PublicSuffixList() {}

    public static PublicSuffixList load(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r);
        }
    }

    public static PublicSuffixList parse(Reader reader) throws IOException {
        PublicSuffixList l = new PublicSuffixList();
        BufferedReader r = new BufferedReader(reader);
        String line;
        while ((line = r.readLine()) != null) {
            int sp = line.indexOf(' ');
            String rule = (sp >= 0 ? line.substring(0, sp) : line).strip();
            if (rule.isEmpty() || rule.startsWith("//")) {
                continue;
            }
            rule = ascii(rule.startsWith("!") ? rule.substring(1) : rule.startsWith("*.") ? rule.substring(2) : rule);
            if (rule == null) {
                continue;
            }
            if (line.strip().startsWith("!")) {
                l.exception.add(rule);
            } else if (line.strip().startsWith("*.")) {
                l.wildcard.add(rule);
            } else {
                l.exact.add(rule);
            }
        }
        if (l.exact.isEmpty()) {
            throw new IOException("no public suffix rules found");
        }
        return l;
    }

    public int size() {
        return exact.size() + wildcard.size() + exception.size();
    }

    /** The public suffix of a domain (lower case, A-labels), or null for a name that is not a domain. */
    public String publicSuffix(String domain) {
        String d = normalize(domain);
        if (d == null) {
            return null;
        }
        String[] labels = d.split("\\.");
        // the longest matching rule wins; an exception rule beats the wildcard that covers it
        for (int i = 0; i < labels.length; i++) {
            String candidate = join(labels, i);
            if (exception.contains(candidate)) {
                return join(labels, i + 1);
            }
            if (exact.contains(candidate) || i + 1 < labels.length && wildcard.contains(join(labels, i + 1))) {
                return candidate;
            }
        }
        return labels[labels.length - 1];
    }

    /**
     * The organizational domain (RFC 7489 3.2): the public suffix plus one label; the name itself when it is a
     * public suffix or has no more labels; null when the name is not a domain.
     */
    public String organizationalDomain(String domain) {
        String d = normalize(domain);
        if (d == null) {
            return null;
        }
        String suffix = publicSuffix(d);
        if (suffix == null || suffix.equals(d)) {
            return d;
        }
        String rest = d.substring(0, d.length() - suffix.length() - 1);
        int dot = rest.lastIndexOf('.');
        return (dot < 0 ? rest : rest.substring(dot + 1)) + "." + suffix;
    }

    private static String join(String[] labels, int from) {
        return String.join(".", java.util.Arrays.copyOfRange(labels, from, labels.length));
    }

    /** Lower case, A-labels, no trailing dot; null for an empty label or a name IDN cannot convert. */
    static String normalize(String domain) {
        if (domain == null) {
            return null;
        }
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.length() > 253 || d.startsWith(".") || d.contains("..")) {
            return null;
        }
        return ascii(d);
    }

    private static String ascii(String s) {
        try {
            return IDN.toASCII(s, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
