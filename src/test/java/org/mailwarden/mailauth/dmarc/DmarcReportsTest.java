package org.mailwarden.mailauth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.delivery.Origin;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.dkim.DkimResult;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.mailwarden.mailauth.spf.SpfResult;
import org.w3c.dom.Document;

/** Aggregate reports: collected per day, sent once the day is over, valid against RFC 7489's schema. */
class DmarcReportsTest {

    @TempDir
    Path dir;

    record Sent(String from, String to, byte[] message) {}

    @Test
    void aDaysEvaluationsBecomeOneValidGzippedReportPerDomain() throws Exception {
        PublicSuffixList psl = PublicSuffixList.load(PublicSuffixList.DEBIAN);
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        // the outside destination authorizes reports for bank.test (RFC 7489 7.1); nothing authorizes shop.test's
        org.mailwarden.mailauth.TxtLookup dns = name -> name.equals("bank.test._report._dmarc.reports.example")
                ? new Answer.Found<>(List.of("v=DMARC1")) : new Answer.NoSuchDomain<>();
        List<Sent> sent = new ArrayList<>();
        DmarcReports reports = new DmarcReports(dir, clock, "mx.example.test", "noreply-dmarc@mx.example.test",
                "mx.example.test", dns, psl, (from, to, m) -> sent.add(new Sent(from, to, m)));
        DmarcVerifier v = new DmarcVerifier(name -> switch (name) {
            case "_dmarc.bank.test" -> new Answer.Found<>(List.of(
                    "v=DMARC1; p=reject; rua=mailto:dmarc@bank.test,mailto:agg@reports.example"));
            case "_dmarc.shop.test" -> new Answer.Found<>(List.of("v=DMARC1; p=none; rua=mailto:x@elsewhere.example"));
            default -> new Answer.NoSuchDomain<>();
        }, psl, java.util.Set.of(), true, () -> 0);
        Origin o = new Origin("smtp", "smtp", InetAddress.getByName("192.0.2.7"), "mail.attacker.test", null, "s1",
                "ID1");
        SpfOutcome spf = new SpfOutcome(SpfResult.SOFTFAIL, "mailfrom", "attacker.test", null, null);
        List<DkimOutcome> dkim = List.of(new DkimOutcome(DkimResult.FAIL, "bank.test", "s1", null, "rsa-sha256", "x",
                false, "body hash"));
        for (int i = 0; i < 3; i++) {
            reports.record(o, "a@attacker.test", v.evaluate(List.of("bank.test"), spf, dkim, ArcOutcome.NONE), spf,
                    dkim);
        }
        Origin good = new Origin("smtp", "smtp", InetAddress.getByName("2001:db8::25"), "mx.bank.test", null, "s2",
                "ID2");
        SpfOutcome pass = new SpfOutcome(SpfResult.PASS, "mailfrom", "bank.test", null, null);
        reports.record(good, "news@bank.test", v.evaluate(List.of("bank.test"), pass, List.of(), ArcOutcome.NONE),
                pass, List.of());
        reports.record(good, "x@shop.test", v.evaluate(List.of("shop.test"), pass, List.of(), ArcOutcome.NONE), pass,
                List.of());

        assertThat(reports.sendDue()).isZero(); // the day is not over
        now.set(Instant.parse("2026-12-02T00:05:00Z"));
        assertThat(reports.sendDue()).isEqualTo(2); // bank.test to both; shop.test's outside destination not authorized
        assertThat(reports.sendDue()).isZero(); // sent once
        assertThat(Files.exists(dir.resolve("2026-12-01.sent"))).isTrue();
        assertThat(sent).extracting(Sent::to).containsExactly("dmarc@bank.test", "agg@reports.example");

        String msg = new String(sent.getFirst().message(), StandardCharsets.UTF_8);
        assertThat(msg).contains("Subject: Report Domain: bank.test Submitter: mx.example.test Report-ID: <",
                "Content-Type: application/gzip", "filename=\"mx.example.test!bank.test!1796083200!1796169599.xml.gz\"");
        String b64 = msg.substring(msg.indexOf("base64\r\n\r\n") + 10, msg.lastIndexOf("\r\n--"));
        byte[] xml = new GZIPInputStream(new ByteArrayInputStream(Base64.getMimeDecoder().decode(b64))).readAllBytes();

        SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        sf.newSchema(new StreamSource(getClass().getResourceAsStream("/dmarc/rfc7489.xsd"))).newValidator()
                .validate(new StreamSource(new ByteArrayInputStream(xml))); // throws when it does not conform

        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        assertThat(d.getElementsByTagName("record").getLength()).isEqualTo(2);
        assertThat(text(d, "domain", 0)).isEqualTo("bank.test");
        assertThat(text(d, "p", 0)).isEqualTo("reject");
        assertThat(text(d, "source_ip", 0)).isEqualTo("192.0.2.7");
        assertThat(text(d, "count", 0)).isEqualTo("3");
        assertThat(text(d, "disposition", 0)).isEqualTo("reject");
        // the schema's IPAddress pattern has no "::": the full form is written
        assertThat(text(d, "source_ip", 1)).isEqualTo("2001:db8:0:0:0:0:0:25");
        assertThat(text(d, "disposition", 1)).isEqualTo("none");
        assertThat(text(d, "begin", 0)).isEqualTo("1796083200");
    }

    private static String text(Document d, String tag, int i) {
        return d.getElementsByTagName(tag).item(i).getTextContent();
    }

    @Test
    void reportsOfTheSameOrganizationNeedNoAuthorization() throws IOException {
        PublicSuffixList psl = PublicSuffixList.load(PublicSuffixList.DEBIAN);
        DmarcReports r = new DmarcReports(dir, Clock.systemUTC(), "mx", "a@mx", "mx", n -> new Answer.NoSuchDomain<>(),
                psl, (f, t, m) -> { });
        assertThat(r.authorized("news.bank.test", "dmarc@bank.test")).isTrue();
        assertThat(r.authorized("bank.test", "dmarc@other.test")).isFalse();
    }
}
