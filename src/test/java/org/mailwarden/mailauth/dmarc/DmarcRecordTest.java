package org.mailwarden.mailauth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mailwarden.mailauth.dmarc.DmarcRecord.Disposition;
import org.mailwarden.mailauth.dmarc.DmarcRecord.ReportUri;

class DmarcRecordTest {

    @Test
    void fullRecord() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r; "
                + "rua=mailto:agg@example.com!10m,mailto:other@example.net; fo=1; unknown=tag").orElseThrow();
        assertThat(r.p()).isEqualTo(Disposition.REJECT);
        assertThat(r.sp()).isEqualTo(Disposition.QUARANTINE);
        assertThat(r.pct()).isEqualTo(50);
        assertThat(r.adkimStrict()).isTrue();
        assertThat(r.aspfStrict()).isFalse();
        assertThat(r.rua()).containsExactly(new ReportUri("agg@example.com", 10L << 20),
                new ReportUri("other@example.net", 0));
        assertThat(r.fo()).isEqualTo("1");
    }

    @Test
    void defaultsAndRulesOfSection63() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=quarantine").orElseThrow();
        assertThat(r.sp()).isEqualTo(Disposition.QUARANTINE); // sp defaults to p
        assertThat(r.pct()).isEqualTo(100);
        assertThat(r.adkimStrict()).isFalse();
        assertThat(r.rua()).isEmpty();
        // v=DMARC1 must come first
        assertThat(DmarcRecord.parse("p=reject; v=DMARC1")).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC2; p=reject")).isEmpty();
        assertThat(DmarcRecord.parse("")).isEmpty();
        // no valid p: no record, unless a valid rua makes it p=none
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus")).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC1")).isEmpty();
        DmarcRecord withRua = DmarcRecord.parse("v=DMARC1; p=bogus; rua=mailto:r@example.com").orElseThrow();
        assertThat(withRua.p()).isEqualTo(Disposition.NONE);
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; sp=bogus")).isEmpty();
        // a bad pct falls back to 100; out of range is capped
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; pct=abc").orElseThrow().pct()).isEqualTo(100);
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; pct=250").orElseThrow().pct()).isEqualTo(100);
        // only mailto URIs, well-formed
        assertThat(DmarcRecord.uris("https://example.com/r, mailto:bad, mailto:ok@example.com!x, "
                + "mailto:ok%2Dx@example.com")).containsExactly(new ReportUri("ok-x@example.com", 0));
        assertThat(DmarcRecord.uris("mailto:x@example.com?subject=hi")).isEqualTo(List.of());
    }
}
