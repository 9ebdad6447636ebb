package org.mailwarden.mailauth.spf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailwarden.config.Cidr;

/**
 * A parsed SPF record (RFC 7208 sections 4.6, 5 and 6): its directives in order, and the redirect= and exp=
 * modifiers. Parsing finds every syntax error of the record before anything is evaluated (4.6: any syntax error
 * anywhere is a permerror).
 */
record SpfRecord(List<Directive> directives, SpfMacro redirect, SpfMacro exp) {

    enum Qualifier {
        PASS, FAIL, SOFTFAIL, NEUTRAL;

        SpfResult result() {
            return switch (this) {
                case PASS -> SpfResult.PASS;
                case FAIL -> SpfResult.FAIL;
                case SOFTFAIL -> SpfResult.SOFTFAIL;
                case NEUTRAL -> SpfResult.NEUTRAL;
            };
        }
    }

    /** The mechanisms of section 5; {@code domain} null means the current domain. */
    sealed interface Mechanism {
        record All() implements Mechanism {}
        record Include(SpfMacro domain) implements Mechanism {}
        record A(SpfMacro domain, int cidr4, int cidr6) implements Mechanism {}
        record Mx(SpfMacro domain, int cidr4, int cidr6) implements Mechanism {}
        record Ptr(SpfMacro domain) implements Mechanism {}
        /** ip4 or ip6. */
        record Ip(Cidr network) implements Mechanism {}
        record Exists(SpfMacro domain) implements Mechanism {}
    }

    record Directive(Qualifier qualifier, Mechanism mechanism, String text) {}

    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9._-]*)=(.*)", Pattern.DOTALL);
    private static final Pattern DUAL_CIDR = Pattern.compile("(.*?)(?:/([0-9]+))?(?://([0-9]+))?", Pattern.DOTALL);
    private static final Pattern CIDR = Pattern.compile("(.*?)(?:/([0-9]+))?", Pattern.DOTALL);
    private static final Pattern QNUM = Pattern.compile("25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9]");

    /** True if a TXT string is an SPF record: "v=spf1" then a space or the end (4.5). */
    static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    static SpfRecord parse(String txt) throws SpfException {
        List<Directive> directives = new ArrayList<>();
        SpfMacro redirect = null;
        SpfMacro exp = null;
        for (String term : txt.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher m = MODIFIER.matcher(term);
            if (m.matches()) {
                String name = m.group(1).toLowerCase(Locale.ROOT);
                String value = m.group(2);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) {
                            throw SpfException.perm("more than one redirect= modifier");
                        }
                        redirect = domainSpec(value);
                    }
                    case "exp" -> {
                        if (exp != null) {
                            throw SpfException.perm("more than one exp= modifier");
                        }
                        exp = domainSpec(value);
                    }
                    default -> SpfMacro.parse(value, false); // unknown modifiers are ignored, but must parse (6)
                }
                continue;
            }
            directives.add(directive(term));
        }
        return new SpfRecord(List.copyOf(directives), redirect, exp);
    }

    private static SpfMacro domainSpec(String s) throws SpfException {
        if (s.isEmpty()) {
            throw SpfException.perm("empty domain-spec");
        }
        SpfMacro m = SpfMacro.parse(s, false);
        m.requireDomainEnd(s);
        return m;
    }

    private static Directive directive(String term) throws SpfException {
        Qualifier q = switch (term.charAt(0)) {
            case '+' -> Qualifier.PASS;
            case '-' -> Qualifier.FAIL;
            case '~' -> Qualifier.SOFTFAIL;
            case '?' -> Qualifier.NEUTRAL;
            default -> null;
        };
        String body = q == null ? term : term.substring(1);
        if (q == null) {
            q = Qualifier.PASS;
        }
        int end = 0;
        while (end < body.length() && body.charAt(end) != ':' && body.charAt(end) != '/') {
            end++;
        }
        String name = body.substring(0, end).toLowerCase(Locale.ROOT);
        String rest = body.substring(end);
        String arg = rest.startsWith(":") ? rest.substring(1) : null;
        Mechanism mech = switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) {
                    throw SpfException.perm("'all' takes no argument: " + term);
                }
                yield new Mechanism.All();
            }
            case "include" -> new Mechanism.Include(domainSpec(required(arg, term)));
            case "exists" -> new Mechanism.Exists(domainSpec(required(arg, term)));
            case "ptr" -> {
                if (arg == null && !rest.isEmpty()) {
                    throw SpfException.perm("invalid mechanism: " + term);
                }
                yield new Mechanism.Ptr(arg == null ? null : domainSpec(arg));
            }
            case "a", "mx" -> {
                String spec = arg != null ? arg : rest;
                Matcher m = DUAL_CIDR.matcher(spec);
                if (!m.matches()) {
                    throw SpfException.perm("invalid mechanism: " + term);
                }
                String domain = m.group(1);
                if (arg == null && !domain.isEmpty()) {
                    throw SpfException.perm("invalid mechanism: " + term);
                }
                int c4 = cidr(m.group(2), 32, term);
                int c6 = cidr(m.group(3), 128, term);
                SpfMacro d = arg == null ? null : domainSpec(domain);
                yield name.equals("a") ? new Mechanism.A(d, c4, c6) : new Mechanism.Mx(d, c4, c6);
            }
            case "ip4" -> ip(required(arg, term), false, term);
            case "ip6" -> ip(required(arg, term), true, term);
            default -> throw SpfException.perm("unknown mechanism: " + term);
        };
        return new Directive(q, mech, term);
    }

    private static String required(String arg, String term) throws SpfException {
        if (arg == null || arg.isEmpty()) {
            throw SpfException.perm("mechanism needs a value: " + term);
        }
        return arg;
    }

    private static int cidr(String digits, int max, String term) throws SpfException {
        if (digits == null) {
            return max;
        }
        if ((digits.length() > 1 && digits.charAt(0) == '0') || digits.length() > 3
                || Integer.parseInt(digits) > max) {
            throw SpfException.perm("invalid CIDR length /" + digits + " (0 to " + max + "): " + term);
        }
        return Integer.parseInt(digits);
    }

    private static Mechanism ip(String arg, boolean v6, String term) throws SpfException {
        Matcher m = CIDR.matcher(arg);
        if (!m.matches() || m.group(1).isEmpty()) {
            throw SpfException.perm("invalid network: " + term);
        }
        String net = m.group(1);
        int prefix = cidr(m.group(2), v6 ? 128 : 32, term);
        byte[] bytes;
        if (v6) {
            if (!net.contains(":") || !net.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                throw SpfException.perm("invalid IPv6 network: " + term);
            }
            try {
                InetAddress a = Inet6Address.ofLiteral(net);
                bytes = a.getAddress();
                if (bytes.length == 4) { // ::ffff:a.b.c.d comes back as IPv4: keep it an IPv6 network
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    System.arraycopy(bytes, 0, mapped, 12, 4);
                    bytes = mapped;
                }
            } catch (IllegalArgumentException e) {
                throw SpfException.perm("invalid IPv6 network: " + term);
            }
        } else {
            String[] q = net.split("\\.", -1);
            if (q.length != 4) {
                throw SpfException.perm("invalid IPv4 network: " + term);
            }
            bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (!QNUM.matcher(q[i]).matches()) {
                    throw SpfException.perm("invalid IPv4 network: " + term);
                }
                bytes[i] = (byte) Integer.parseInt(q[i]);
            }
        }
        return new Mechanism.Ip(new Cidr(bytes, prefix));
    }
}
