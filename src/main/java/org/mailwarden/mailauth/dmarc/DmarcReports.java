package org.mailwarden.mailauth.dmarc;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.mailwarden.delivery.Origin;
import org.mailwarden.dns.DnsResolver.Answer;
import org.mailwarden.mailauth.TxtLookup;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DMARC aggregate reports (RFC 7489 7.2): every evaluation of mail from a domain whose record asks for them
 * ({@code rua}) is recorded as one line in a file per UTC day ({@code <dir>/<yyyy-mm-dd>.tsv}); once the day is
 * over, {@link #sendDue} aggregates each day's lines per policy domain into rows (source IP, disposition and results),
 * writes the standard XML (RFC 7489 Appendix C), gzips it, and mails it from the report address to each
 * {@code mailto:} destination that accepts reports for the domain (RFC 7489 7.1: a destination in another
 * organizational domain must publish {@code <domain>._report._dmarc.<its domain>}) and whose size limit it fits.
 * A sent day's file is renamed {@code .sent}. Files are plain appends (no fsync per message: a crash may cost the
 * last lines of a report, never a message).
 */
public final class DmarcReports {

    private static final Logger LOG = LoggerFactory.getLogger(DmarcReports.class);
    private static final int MAX_ROWS_PER_DOMAIN = 10_000;

    /** Hands a finished report message (network form) to the outbound queue. */
    @FunctionalInterface
    public interface Sender {
        void send(String from, String to, byte[] message) throws IOException;
    }

    private final Path dir;
    private final Clock clock;
    private final String reporterDomain;
    private final String reportFrom;
    private final String orgName;
    private final TxtLookup dns;
    private final PublicSuffixList psl;
    private final Sender sender;

    public DmarcReports(Path dir, Clock clock, String reporterDomain, String reportFrom, String orgName,
            TxtLookup dns, PublicSuffixList psl, Sender sender) {
        this.dir = dir;
        this.clock = clock;
        this.reporterDomain = reporterDomain;
        this.reportFrom = reportFrom;
        this.orgName = orgName;
        this.dns = dns;
        this.psl = psl;
        this.sender = sender;
    }

    private static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    /** Records one evaluation (a message whose policy record has {@code rua}). */
    public void record(Origin origin, String envelopeSender, DmarcOutcome dm, SpfOutcome spf,
            List<DkimOutcome> dkim) {
        DmarcRecord r = dm.record();
        StringBuilder dk = new StringBuilder();
        for (DkimOutcome d : dkim) {
            if (d.domain() != null) {
                dk.append(dk.isEmpty() ? "" : ",").append(clean(d.domain()).replace(',', ' ').replace(' ', '_'))
                        .append(' ').append(clean(d.selector()).replace(',', '_').replace(' ', '_')).append(' ')
                        .append(d.result().keyword());
            }
        }
        StringBuilder rua = new StringBuilder();
        for (DmarcRecord.ReportUri u : r.rua()) {
            rua.append(rua.isEmpty() ? "" : ",").append(clean(u.address())).append('!').append(u.maxBytes());
        }
        int at = envelopeSender.lastIndexOf('@');
        String envDomain = at >= 0 ? envelopeSender.substring(at + 1) : origin.helo();
        String line = String.join("\t", dm.policyDomain(), r.p().keyword(), r.sp().keyword(),
                Integer.toString(r.pct()), r.adkimStrict() ? "s" : "r", r.aspfStrict() ? "s" : "r", clean(r.fo()),
                rua.toString(), origin.clientIp().getHostAddress(), dm.fromDomain(), clean(envDomain),
                dm.applied().keyword(), dm.dkimAligned() ? "pass" : "fail", dm.spfAligned() ? "pass" : "fail",
                dm.override() == null ? "" : dm.override().keyword(),
                spf == null ? "" : clean(spf.domain()), spf == null ? "" : spf.identity().equals("helo") ? "helo"
                        : "mfrom", spf == null ? "" : spf.result().keyword(), dk.toString()) + "\n";
        Path file = dir.resolve(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC) + ".tsv");
        synchronized (this) {
            try {
                Files.createDirectories(dir);
                try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
                    w.write(line);
                }
            } catch (IOException e) {
                LOG.warn("event=dmarc-record-failed id={} file={} reason=\"{}\"", origin.messageId(), file, e);
            }
        }
    }

    /** Sends the reports of every finished day not sent yet; returns how many report messages were queued. */
    public synchronized int sendDue() {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        int sent = 0;
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        List<Path> due = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tsv")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    if (LocalDate.parse(name.substring(0, name.length() - 4)).isBefore(today)) {
                        due.add(p);
                    }
                } catch (java.time.format.DateTimeParseException e) {
                    // not ours
                }
            }
        } catch (IOException e) {
            LOG.warn("event=dmarc-report-failed dir={} reason=\"{}\"", dir, e);
            return 0;
        }
        due.sort(null);
        for (Path p : due) {
            String name = p.getFileName().toString();
            LocalDate day = LocalDate.parse(name.substring(0, name.length() - 4));
            try {
                sent += sendDay(day, Files.readAllLines(p, StandardCharsets.UTF_8));
                Files.move(p, p.resolveSibling(name.replace(".tsv", ".sent")),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                LOG.warn("event=dmarc-report-failed day={} reason=\"{}\"", day, e.toString());
            }
        }
        return sent;
    }

    /** One aggregated row: what identical evaluations share, and how many there were. */
    record Row(String sourceIp, String headerFrom, String envelopeFrom, String disposition, String dkim, String spf,
            String override, String spfDomain, String spfScope, String spfResult, String dkimResults) {}

    /** The policy as published, the first time it was seen that day, and the rows for it. */
    record DomainReport(String[] policy, Map<Row, Integer> rows) {}

    private int sendDay(LocalDate day, List<String> lines) throws IOException {
        Map<String, DomainReport> byDomain = new TreeMap<>();
        for (String l : lines) {
            String[] f = l.split("\t", -1);
            if (f.length < 19) {
                continue; // a line cut short by a crash
            }
            DomainReport d = byDomain.computeIfAbsent(f[0], k -> new DomainReport(f, new LinkedHashMap<>()));
            Row row = new Row(f[8], f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[16], f[17], f[18]);
            if (d.rows().size() < MAX_ROWS_PER_DOMAIN || d.rows().containsKey(row)) {
                d.rows().merge(row, 1, Integer::sum);
            }
        }
        int sent = 0;
        long begin = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long end = begin + 86400 - 1;
        for (Map.Entry<String, DomainReport> e : byDomain.entrySet()) {
            String domain = e.getKey();
            String reportId = day.toString().replace("-", "") + "." + domain + "." + reporterDomain;
            byte[] xml = xml(domain, e.getValue(), reportId, begin, end);
            byte[] gz = gzip(xml);
            String fileName = reporterDomain + "!" + domain + "!" + begin + "!" + end + ".xml.gz";
            for (String uri : e.getValue().policy()[7].split(",")) {
                int bang = uri.lastIndexOf('!');
                if (bang <= 0) {
                    continue;
                }
                String to = uri.substring(0, bang);
                long max = Long.parseLong(uri.substring(bang + 1));
                if (!authorized(domain, to)) {
                    LOG.info("event=dmarc-report-skipped domain={} to={} reason=\"destination does not accept "
                            + "reports for the domain (RFC 7489 7.1)\"", domain, to);
                    continue;
                }
                byte[] message = message(domain, to, reportId, fileName, gz);
                if (max > 0 && message.length > max) {
                    LOG.info("event=dmarc-report-skipped domain={} to={} size={} limit={}", domain, to,
                            message.length, max);
                    continue;
                }
                sender.send(reportFrom, to, message);
                sent++;
                LOG.info("event=dmarc-report-sent domain={} to={} rows={} report_id={}", domain, to,
                        e.getValue().rows().size(), reportId);
            }
        }
        return sent;
    }

    /** RFC 7489 7.1: a destination outside the domain's organizational domain must authorize it in DNS. */
    boolean authorized(String domain, String address) {
        String destDomain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        String a = psl.organizationalDomain(domain);
        String b = psl.organizationalDomain(destDomain);
        if (a != null && a.equals(b)) {
            return true;
        }
        return switch (dns.txt(domain + "._report._dmarc." + destDomain)) {
            case Answer.Found<String> f -> f.values().stream().anyMatch(t -> t.strip().startsWith("v=DMARC1"));
            case Answer.NoSuchDomain<String> n -> false;
            case Answer.NoRecords<String> n -> false;
            case Answer.TempFailure<String> t -> false;
        };
    }

    byte[] xml(String domain, DomainReport report, String reportId, long begin, long end) {
        String[] p = report.policy();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newInstance().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("feedback");
            element(w, "version", "1.0");
            w.writeStartElement("report_metadata");
            element(w, "org_name", orgName);
            element(w, "email", reportFrom);
            element(w, "report_id", reportId);
            w.writeStartElement("date_range");
            element(w, "begin", Long.toString(begin));
            element(w, "end", Long.toString(end));
            w.writeEndElement();
            w.writeEndElement();
            w.writeStartElement("policy_published");
            element(w, "domain", domain);
            element(w, "adkim", p[4]);
            element(w, "aspf", p[5]);
            element(w, "p", p[1]);
            element(w, "sp", p[2]);
            element(w, "pct", p[3]);
            element(w, "fo", p[6].isEmpty() ? "0" : p[6]);
            w.writeEndElement();
            for (Map.Entry<Row, Integer> e : report.rows().entrySet()) {
                Row r = e.getKey();
                w.writeStartElement("record");
                w.writeStartElement("row");
                element(w, "source_ip", r.sourceIp());
                element(w, "count", Integer.toString(e.getValue()));
                w.writeStartElement("policy_evaluated");
                element(w, "disposition", r.disposition());
                element(w, "dkim", r.dkim());
                element(w, "spf", r.spf());
                if (!r.override().isEmpty()) {
                    w.writeStartElement("reason");
                    element(w, "type", r.override());
                    w.writeEndElement();
                }
                w.writeEndElement();
                w.writeEndElement();
                w.writeStartElement("identifiers");
                element(w, "header_from", r.headerFrom());
                w.writeEndElement();
                w.writeStartElement("auth_results");
                if (!r.dkimResults().isEmpty()) {
                    for (String d : r.dkimResults().split(",")) {
                        String[] parts = d.split(" ");
                        if (parts.length == 3) {
                            w.writeStartElement("dkim");
                            element(w, "domain", parts[0]);
                            if (!parts[1].isEmpty()) {
                                element(w, "selector", parts[1]);
                            }
                            element(w, "result", parts[2]);
                            w.writeEndElement();
                        }
                    }
                }
                w.writeStartElement("spf");
                element(w, "domain", r.spfDomain().isEmpty() ? r.envelopeFrom() : r.spfDomain());
                element(w, "scope", r.spfScope().isEmpty() ? "mfrom" : r.spfScope());
                element(w, "result", r.spfResult().isEmpty() ? "none" : r.spfResult());
                w.writeEndElement();
                w.writeEndElement();
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(text == null ? "" : text);
        w.writeEndElement();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(data);
        }
        return b.toByteArray();
    }

    /** The report message (RFC 7489 7.2.1.1): a short text part and the gzipped XML as application/gzip. */
    private byte[] message(String domain, String to, String reportId, String fileName, byte[] gz) {
        String boundary = "=_dmarc_" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        ZonedDateTime now = ZonedDateTime.ofInstant(Instant.now(clock), ZoneOffset.UTC);
        StringBuilder m = new StringBuilder();
        m.append("From: ").append(reportFrom).append("\r\n");
        m.append("To: ").append(to).append("\r\n");
        m.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(now)).append("\r\n");
        m.append("Subject: Report Domain: ").append(domain).append(" Submitter: ").append(reporterDomain)
                .append(" Report-ID: <").append(reportId).append(">\r\n");
        m.append("Message-ID: <").append(reportId).append('.').append(now.toEpochSecond()).append('@')
                .append(reporterDomain).append(">\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        m.append("This is a DMARC aggregate report for ").append(domain).append(" from ").append(reporterDomain)
                .append(".\r\n\r\n");
        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: application/gzip; name=\"").append(fileName).append("\"\r\n");
        m.append("Content-Disposition: attachment; filename=\"").append(fileName).append("\"\r\n");
        m.append("Content-Transfer-Encoding: base64\r\n\r\n");
        m.append(Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(gz))
                .append("\r\n");
        m.append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.UTF_8);
    }
}
