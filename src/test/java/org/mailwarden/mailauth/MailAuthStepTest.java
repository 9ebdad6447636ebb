package org.mailwarden.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.delivery.MessageView;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.dkim.DkimResult;
import org.mailwarden.mailauth.dmarc.DmarcVerifier;
import org.mailwarden.mailauth.dmarc.PublicSuffixList;
import org.mailwarden.mailauth.iprev.IprevOutcome;
import org.mailwarden.mailauth.iprev.IprevResult;
import org.mailwarden.mailauth.spf.SpfOutcome;
import org.mailwarden.mailauth.spf.SpfResult;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * The mail-authentication step in the pipeline of a real server, over port 25: DMARC reject at DATA, quarantine into
 * Junk (seen over IMAP), a DNS failure deferred, our Authentication-Results at the top and a forged one removed.
 * SPF and DKIM results come from a stand-in here (their verifiers have their own tests); DMARC records come from a
 * real DNS server on loopback.
 */
class MailAuthStepTest {

    private static final String ALICE = "alice@example.test";

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension();

    static TestDns dns;
    static DmarcVerifier dmarc;

    @BeforeAll
    static void zones() throws IOException {
        dns = new TestDns();
        dns.txt("_dmarc.bank.test", "v=DMARC1; p=reject");
        dns.txt("_dmarc.shop.test", "v=DMARC1; p=quarantine");
        dns.servfail("_dmarc.flaky.test");
        dmarc = new DmarcVerifier(TxtLookup.of(new DnsResolver(dns.server(), Duration.ofSeconds(2))),
                PublicSuffixList.load(PublicSuffixList.DEBIAN), Set.of(), true, () -> 0);
    }

    @AfterAll
    static void stop() throws IOException {
        dns.close();
    }

    /** SPF passes for the MAIL FROM domain; DKIM passes for a d= named in an X-Test-Dkim field. */
    static final class StandIn implements MailChecks {
        @Override
        public SpfOutcome spfMailFrom(InetAddress client, String helo, String sender) {
            String domain = sender.substring(sender.indexOf('@') + 1);
            return new SpfOutcome(SpfResult.PASS, "mailfrom", domain, null, null);
        }

        @Override
        public SpfOutcome spfHelo(InetAddress client, String helo) {
            return new SpfOutcome(SpfResult.NONE, "helo", helo, null, null);
        }

        @Override
        public List<DkimOutcome> dkim(MessageView message) throws IOException {
            return message.header().first("X-Test-Dkim").map(d -> List.of(new DkimOutcome(DkimResult.PASS, d.strip(),
                    "sel", null, "rsa-sha256", "AbCdEfGh", false, null))).orElse(List.of());
        }

        @Override
        public ArcOutcome arc(MessageView message) {
            return ArcOutcome.NONE;
        }

        @Override
        public IprevOutcome iprev(InetAddress client) {
            return new IprevOutcome(IprevResult.PASS, client, "localhost", null);
        }
    }

    private void register(TestServer t) {
        t.server.delivery().register(new MailAuthStep("mx.example.test", new StandIn(), dmarc, null,
                new MailAuthStep.Policy(true, true, true, true, true, false, true)));
    }

    private static String send(TestServer t, String mailFrom, String header) throws IOException {
        try (SmtpClient c = new SmtpClient(t.smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.remote.test");
            assertThat(c.cmd("MAIL FROM:<" + mailFrom + ">")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<" + ALICE + ">")).startsWith("250 ");
            assertThat(c.cmd("DATA")).startsWith("354");
            String reply = c.cmd(header + "Subject: test\r\n\r\nhello\r\n.");
            c.cmd("QUIT");
            return reply;
        }
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void aDmarcRejectIsRefusedAtData() throws Exception {
        TestServer t = server.get();
        register(t);
        String reply = send(t, "bounces@attacker.test", "From: Bank <service@bank.test>\r\n");
        assertThat(reply).isEqualTo("550 5.7.1 Message rejected: it fails the DMARC policy of bank.test");
        assertThat(t.messages(ALICE)).isEmpty();
        assertThat(t.queueEnvelopes()).isEmpty();
    }

    @Test
    void alignedMailPassesWithOurResultsOnTop() throws Exception {
        TestServer t = server.get();
        register(t);
        assertThat(send(t, "bounces@attacker.test", "X-Test-Dkim: bank.test\r\nFrom: <service@bank.test>\r\n"))
                .startsWith("250 ");
        String m = t.messages(ALICE).getFirst();
        // Return-Path, then ours, before our Received
        String second = m.lines().skip(1).findFirst().orElseThrow();
        assertThat(second).isEqualTo("Authentication-Results: mx.example.test;");
        assertThat(m).contains("\tdkim=pass header.d=bank.test header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh;",
                "\tspf=pass (domain of attacker.test) smtp.mailfrom=bounces@attacker.test;",
                "\tdmarc=pass (p=reject sp=reject dis=none) header.from=bank.test");
        assertThat(m.indexOf("Authentication-Results")).isLessThan(m.indexOf("Received: "));
    }

    @Test
    void quarantineGoesToJunkWhereImapSeesIt() throws Exception {
        TestServer t = server.get();
        register(t);
        assertThat(send(t, "x@attacker.test", "From: <offers@shop.test>\r\n")).startsWith("250 ");
        assertThat(t.messages(ALICE)).isEmpty();
        Path junk = t.server.store().mailboxDir(ALICE).resolve(".Junk");
        assertThat(files(junk.resolve("new"))).singleElement().asString().contains("dmarc=fail",
                "dis=quarantine", "header.from=shop.test");
        try (ImapClient c = ImapClient.loggedIn(t.imapsPort(), ALICE, "secret-alice")) {
            assertThat(String.join("\n", c.command("SELECT Junk"))).contains("* 1 EXISTS");
            assertThat(String.join("\n", c.command("FETCH 1 BODY.PEEK[HEADER.FIELDS (Authentication-Results)]")))
                    .contains("dmarc=fail");
        }
    }

    @Test
    void aDnsFailureDefersNeverBounces() throws Exception {
        TestServer t = server.get();
        register(t);
        assertThat(send(t, "x@attacker.test", "From: <a@flaky.test>\r\n")).startsWith("451 4.4.3 ");
        assertThat(t.messages(ALICE)).isEmpty();
    }

    @Test
    void aForgedAuthenticationResultsFieldIsRemovedOthersStay() throws Exception {
        TestServer t = server.get();
        register(t);
        assertThat(send(t, "news@other.test", "Authentication-Results: MX.example.test;\r\n dkim=pass header.d=bank"
                + ".test\r\nAuthentication-Results: (comment) mx.example.test; dmarc=pass\r\n"
                + "Authentication-Results: relay.other.test; spf=pass\r\nFrom: <news@other.test>\r\n"))
                .startsWith("250 ");
        String m = t.messages(ALICE).getFirst();
        assertThat(m).contains("Authentication-Results: relay.other.test; spf=pass")
                .doesNotContain("dkim=pass header.d=bank.test").doesNotContain("dmarc=pass\n")
                .doesNotContain("MX.example.test");
        assertThat(m.split("Authentication-Results: mx.example.test;", -1)).hasSize(2); // ours, once
        assertThat(m).contains("Subject: test\n\nhello\n");
    }
}
