package org.mailwarden.gate.kernel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.stream.Collectors;
import org.mailwarden.config.GateConfig;
import org.mailwarden.gate.BanEngine.Ban;

/**
 * The nft commands of Mailwarden's own table, {@code inet mailwarden}: a set of banned IPv4 addresses ({@code v4}),
 * one of banned IPv6 /64s ({@code v6}), and a chain ({@code gate}) with one rule per set on the mail ports in use.
 * Nothing here names any other table. One command a line, as {@code nft -i} reads them.
 */
public final class NftRules {

    public static final String TABLE = "inet mailwarden";
    /** Answered by nft with a listing that ends the reply to every batch (see {@link NftHelper}). */
    static final String SENTINEL = "list chain " + TABLE + " gate";
    private static final int ELEMENTS_PER_COMMAND = 200;

    private NftRules() {}

    /** The table from nothing (an old one of ours, left by a crash, goes first), with these bans in it. */
    public static List<String> table(SortedSet<Integer> ports, GateConfig.BlockType type, Collection<Ban> bans,
            Instant now) {
        String verdict = switch (type) {
            case DROP -> "drop";
            case REJECT -> "reject with tcp reset";
        };
        String dports = ports.stream().map(String::valueOf).collect(Collectors.joining(", ", "{ ", " }"));
        List<String> l = new ArrayList<>(List.of(
                "add table " + TABLE,
                "delete table " + TABLE,
                "add table " + TABLE,
                "add set " + TABLE + " v4 { type ipv4_addr; flags timeout; }",
                "add set " + TABLE + " v6 { type ipv6_addr; flags interval, timeout; }",
                "add chain " + TABLE + " gate { type filter hook input priority -10; policy accept; }",
                "add rule " + TABLE + " gate tcp dport " + dports + " ip saddr @v4 " + verdict,
                "add rule " + TABLE + " gate tcp dport " + dports + " ip6 saddr @v6 " + verdict));
        List<String> v4 = new ArrayList<>();
        List<String> v6 = new ArrayList<>();
        for (Ban b : bans) {
            element(b, now).ifPresent(e -> (b.net().isIpv4() ? v4 : v6).add(e));
        }
        addElements(l, "v4", v4);
        addElements(l, "v6", v6);
        return l;
    }

    private static void addElements(List<String> out, String set, List<String> elements) {
        for (int i = 0; i < elements.size(); i += ELEMENTS_PER_COMMAND) {
            out.add("add element " + TABLE + " " + set + " { "
                    + String.join(", ", elements.subList(i, Math.min(elements.size(), i + ELEMENTS_PER_COMMAND))) + " }");
        }
    }

    /** Adds one ban, with what is left of it as the element's timeout; nothing for a ban already over. */
    public static List<String> ban(Ban b, Instant now) {
        return element(b, now).map(e -> List.of("add element " + TABLE + " " + set(b) + " { " + e + " }"))
                .orElse(List.of());
    }

    /** Lifts one ban: added first, so that the delete cannot fail on an element whose timeout already ran out. */
    public static List<String> unban(Ban b) {
        return List.of("add element " + TABLE + " " + set(b) + " { " + b.ip() + " timeout 1s }",
                "delete element " + TABLE + " " + set(b) + " { " + b.ip() + " }");
    }

    public static List<String> remove() {
        return List.of("delete table " + TABLE);
    }

    public static List<String> listSets() {
        return List.of("list set " + TABLE + " v4", "list set " + TABLE + " v6");
    }

    private static String set(Ban b) {
        return b.net().isIpv4() ? "v4" : "v6";
    }

    private static java.util.Optional<String> element(Ban b, Instant now) {
        if (b.permanent()) {
            return java.util.Optional.of(b.ip());
        }
        long ms = Duration.between(now, b.until()).toMillis();
        return ms <= 0 ? java.util.Optional.empty() : java.util.Optional.of(b.ip() + " timeout " + ms + "ms");
    }

    /** The elements in nft's listing of one or more sets ("1.2.3.4", "2001:db8:1:2::/64"). */
    public static Set<String> elements(List<String> listing) {
        Set<String> out = new LinkedHashSet<>();
        StringBuilder open = null;
        for (String line : listing) {
            String t = line.strip();
            if (open == null && t.startsWith("elements = {")) {
                open = new StringBuilder();
                t = t.substring("elements = {".length());
            }
            if (open == null) {
                continue;
            }
            int close = t.indexOf('}');
            open.append(close >= 0 ? t.substring(0, close) : t).append(' ');
            if (close >= 0) {
                for (String e : open.toString().split(",")) {
                    String s = e.strip();
                    if (!s.isEmpty()) {
                        out.add(s.split("\\s+")[0]);
                    }
                }
                open = null;
            }
        }
        return out;
    }
}
