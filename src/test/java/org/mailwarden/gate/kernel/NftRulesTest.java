package org.mailwarden.gate.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.mailwarden.config.Cidr;
import org.mailwarden.config.GateConfig;
import org.mailwarden.gate.BanEngine.Ban;

class NftRulesTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Ban V4 = new Ban(Cidr.parse("192.0.2.7/32"), "auth-failure", NOW, NOW.plusSeconds(3600), 1);
    private static final Ban V6 = new Ban(Cidr.parse("2001:db8:1:2::/64"), "manual", NOW, null, 1);
    private static final Ban OVER = new Ban(Cidr.parse("192.0.2.8/32"), "manual", NOW.minusSeconds(60), NOW, 1);

    @Test
    void theTableNamesOnlyItselfAndCarriesTheBansWithWhatIsLeftOfThem() {
        List<String> l = NftRules.table(new TreeSet<>(Set.of(587, 25, 993)), GateConfig.BlockType.DROP,
                List.of(V4, V6, OVER), NOW);
        assertTrue(l.stream().allMatch(c -> c.contains(" inet mailwarden")), l.toString());
        assertTrue(l.contains("add rule inet mailwarden gate tcp dport { 25, 587, 993 } ip saddr @v4 drop"), l.toString());
        assertTrue(l.contains("add rule inet mailwarden gate tcp dport { 25, 587, 993 } ip6 saddr @v6 drop"), l.toString());
        assertTrue(l.contains("add element inet mailwarden v4 { 192.0.2.7 timeout 3600000ms }"), l.toString());
        assertTrue(l.contains("add element inet mailwarden v6 { 2001:db8:1:2::/64 }"), l.toString());
        assertTrue(l.stream().noneMatch(c -> c.contains("192.0.2.8")), "a ban already over is not added");
    }

    @Test
    void rejectResetsTheConnection() {
        List<String> l = NftRules.table(new TreeSet<>(Set.of(25)), GateConfig.BlockType.REJECT, List.of(), NOW);
        assertTrue(l.contains("add rule inet mailwarden gate tcp dport { 25 } ip saddr @v4 reject with tcp reset"));
    }

    @Test
    void anUnbanCannotFailOnAnElementThatTimedOut() {
        assertEquals(List.of("add element inet mailwarden v6 { 2001:db8:1:2::/64 timeout 1s }",
                "delete element inet mailwarden v6 { 2001:db8:1:2::/64 }"), NftRules.unban(V6));
    }

    @Test
    void readsTheElementsOfNftsListing() {
        List<String> listing = List.of("table inet mailwarden {", "\tset v4 {", "\t\ttype ipv4_addr",
                "\t\tflags timeout", "\t\telements = { 192.0.2.7 timeout 1h expires 59m58s,",
                "\t\t\t     192.0.2.9 timeout 2h expires 1h }", "\t}", "}", "table inet mailwarden {", "\tset v6 {",
                "\t\telements = { 2001:db8:1:2::/64 }", "\t}", "}");
        assertEquals(Set.of("192.0.2.7", "192.0.2.9", "2001:db8:1:2::/64"), NftRules.elements(listing));
    }
}
