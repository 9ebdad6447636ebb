package org.mailwarden.mailauth.dmarc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A DMARC policy record (RFC 7489 6.3), parsed as the RFC says a receiver must: {@code v=DMARC1} first, unknown tags
 * ignored, an invalid or missing {@code p} (or invalid {@code sp}) read as {@code p=none} when a valid {@code rua}
 * is present and otherwise no usable record; other bad values fall back to their defaults.
 *
 * @param p     requested policy for the domain
 * @param sp    requested policy for its subdomains ({@code p} when absent)
 * @param pct   percentage of failing mail the policy applies to (0..100)
 * @param adkim DKIM alignment: strict or relaxed
 * @param aspf  SPF alignment: strict or relaxed
 * @param rua   aggregate report addresses: {@code mailto:} URIs with an optional size limit
 * @param fo    failure reporting options, as published (reported back in aggregate reports)
 */
public record DmarcRecord(Disposition p, Disposition sp, int pct, boolean adkimStrict, boolean aspfStrict,
        List<ReportUri> rua, String fo) {

    public enum Disposition {
        NONE, QUARANTINE, REJECT;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Disposition> of(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "none" -> Optional.of(NONE);
                case "quarantine" -> Optional.of(QUARANTINE);
                case "reject" -> Optional.of(REJECT);
                default -> Optional.empty();
            };
        }

        /** The next less strict policy, for mail pct sampling leaves out (RFC 7489 6.6.4). */
        Disposition weaker() {
            return switch (this) {
                case REJECT -> QUARANTINE;
                case QUARANTINE, NONE -> NONE;
            };
        }
    }

    /** One {@code rua} destination: a mailto address, and the largest report it takes (0: no limit). */
    public record ReportUri(String address, long maxBytes) {}

    public DmarcRecord {
        rua = List.copyOf(rua);
    }

    /** Parses a TXT record; empty when it is not a DMARC record or has no usable policy. */
    public static Optional<DmarcRecord> parse(String txt) {
        Map<String, String> tags = new LinkedHashMap<>();
        boolean first = true;
        for (String part : txt.split(";", -1)) {
            String t = part.strip();
            if (t.isEmpty()) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq <= 0) {
                if (first) {
                    return Optional.empty();
                }
                continue; // a broken tag is skipped like an unknown one
            }
            String name = t.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = t.substring(eq + 1).strip();
            if (first) {
                if (!name.equals("v") || !value.equals("DMARC1")) {
                    return Optional.empty();
                }
                first = false;
                continue;
            }
            tags.putIfAbsent(name, value);
        }
        if (first) {
            return Optional.empty();
        }
        List<ReportUri> rua = uris(tags.get("rua"));
        Optional<Disposition> p = Optional.ofNullable(tags.get("p")).flatMap(Disposition::of);
        Optional<Disposition> sp = Optional.ofNullable(tags.get("sp")).flatMap(Disposition::of);
        boolean spInvalid = tags.containsKey("sp") && sp.isEmpty();
        if (p.isEmpty() || spInvalid) {
            if (rua.isEmpty()) {
                return Optional.empty();
            }
            p = Optional.of(Disposition.NONE);
            sp = Optional.of(Disposition.NONE);
        }
        int pct = 100;
        String pctValue = tags.get("pct");
        if (pctValue != null && pctValue.matches("\\d{1,3}")) {
            pct = Math.min(100, Integer.parseInt(pctValue));
        }
        return Optional.of(new DmarcRecord(p.get(), sp.orElse(p.get()), pct, "s".equalsIgnoreCase(tags.get("adkim")),
                "s".equalsIgnoreCase(tags.get("aspf")), rua, tags.getOrDefault("fo", "0")));
    }

    /** {@code mailto:addr[!size[k|m|g|t]]}, comma-separated; other schemes and broken URIs are skipped. */
    static List<ReportUri> uris(String value) {
        List<ReportUri> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String u : value.split(",")) {
            String s = u.strip();
            if (!s.regionMatches(true, 0, "mailto:", 0, 7)) {
                continue;
            }
            s = s.substring(7);
            long max = 0;
            int bang = s.lastIndexOf('!');
            if (bang >= 0) {
                String size = s.substring(bang + 1).toLowerCase(Locale.ROOT);
                s = s.substring(0, bang);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([kmgt]?)").matcher(size);
                if (!m.matches()) {
                    continue;
                }
                long unit = switch (m.group(2)) {
                    case "k" -> 1L << 10;
                    case "m" -> 1L << 20;
                    case "g" -> 1L << 30;
                    case "t" -> 1L << 40;
                    default -> 1;
                };
                max = Long.parseLong(m.group(1)) * unit;
            }
            s = java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            int at = s.lastIndexOf('@');
            if (at <= 0 || at == s.length() - 1 || s.indexOf('?') >= 0 || s.chars().anyMatch(c -> c <= ' ')) {
                continue;
            }
            out.add(new ReportUri(s, max));
        }
        return out;
    }
}
