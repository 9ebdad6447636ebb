package org.mailwarden.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.mailauth.dkim.DkimKey;
import org.mailwarden.mailauth.dkim.DkimSigner;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/**
 * The server as configured by default (every check on), over port 25, with the sender's SPF, DKIM key and DMARC
 * policy on a real DNS server on loopback and a really signed message: aligned mail passes with all results in
 * Authentication-Results, a spoof of the domain is refused by its DMARC policy, a body changed after signing is
 * refused too, an SPF fail without DMARC gets 550 5.7.23, and DMARC evaluations are collected for the reports; mail
 * from a host in mailauth.ignore-hosts is not checked.
 */
class MailAuthEndToEndTest {

    private static final String ALICE = "alice@example.test";

    @TempDir
    Path dir;
    TestDns dns;
    TestServer server;
    DkimKey key;

    @BeforeEach
    void start() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        key = new DkimKey("bank.test", "sel", pair.getPrivate());
        dns = new TestDns();
        dns.txt("sel._domainkey.bank.test", key.txtRecord());
        dns.txt("bank.test", "v=spf1 ip4:127.0.0.0/8 -all");
        dns.txt("attacker.test", "v=spf1 -all");
        dns.txt("_dmarc.bank.test", "v=DMARC1; p=reject; rua=mailto:dmarc@bank.test");
        dns.ptr("127.0.0.1", "localhost");
        dns.a("localhost", "127.0.0.1");
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                auth.failure-delay = 20ms
                smtp.greet-wait = 0
                dns.server = %s
                # the tests' clients are on loopback, which is not checked by default
                mailauth.ignore-hosts =
                """.formatted(dns.server()));
        server = TestServer.start(dir);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        dns.close();
    }

    private String signed(String from, String body) throws IOException {
        String m = "From: " + from + "\r\nTo: <" + ALICE + ">\r\nSubject: statement\r\nDate: Wed, 02 Dec 2026 10:00:00 "
                + "+0000\r\nMessage-ID: <1@bank.test>\r\n\r\n" + body;
        List<String> sig = DkimSigner.sign(new java.io.ByteArrayInputStream(m.getBytes(StandardCharsets.UTF_8)),
                List.of(key), Instant.now());
        return sig.getFirst() + m;
    }

    private String send(String mailFrom, String message) throws IOException {
        try (SmtpClient c = new SmtpClient(server.smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.bank.test");
            assertThat(c.cmd("MAIL FROM:<" + mailFrom + ">")).startsWith("250 ");
            assertThat(c.cmd("RCPT TO:<" + ALICE + ">")).startsWith("250 ");
            assertThat(c.cmd("DATA")).startsWith("354");
            String reply = c.cmd(message.replace("\r\n.", "\r\n..") + "\r\n.");
            c.cmd("QUIT");
            return reply;
        }
    }

    @Test
    void signedAlignedMailPassesEveryCheck() throws Exception {
        assertThat(send("bounces@bank.test", signed("Bank <service@bank.test>", "Your statement.\r\n")))
                .startsWith("250 ");
        String m = server.messages(ALICE).getFirst();
        String ar = m.substring(m.indexOf("Authentication-Results: mx.example.test;"), m.indexOf("Received: "));
        assertThat(ar).contains("iprev=pass (localhost) policy.iprev=127.0.0.1",
                "spf=pass (domain of bank.test) smtp.mailfrom=bounces@bank.test",
                "dkim=pass header.d=bank.test header.i=@bank.test header.s=sel header.a=rsa-sha256 header.b=",
                "spf=none (domain of client.bank.test) smtp.helo=client.bank.test",
                "arc=none", "dmarc=pass (p=reject sp=reject dis=none) header.from=bank.test");
        // the evaluation is recorded for the day's aggregate report to bank.test
        Path day = server.dataDir.resolve("state/dmarc").resolve(java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                + ".tsv");
        assertThat(Files.readString(day)).contains("bank.test\treject\treject\t100", "\t127.0.0.1\tbank.test\t");
    }

    @Test
    void aSpoofOfTheDomainIsRefusedByItsPolicy() throws Exception {
        // unsigned, from a host the domain's SPF does not list in the MAIL FROM's own domain
        String reply = send("x@attacker.test", "From: Bank <service@bank.test>\r\nSubject: urgent\r\n\r\npay\r\n");
        assertThat(reply).isEqualTo("550 5.7.1 Message rejected: it fails the DMARC policy of bank.test");
        assertThat(server.messages(ALICE)).isEmpty();
    }

    @Test
    void aBodyChangedAfterSigningFailsDkimAndDmarc() throws Exception {
        String tampered = signed("<service@bank.test>", "Pay 10 EUR.\r\n").replace("Pay 10 EUR", "Pay 9999 EUR");
        assertThat(send("x@attacker.test", tampered)).startsWith("550 5.7.1 ");
        assertThat(server.messages(ALICE)).isEmpty();
    }

    @Test
    void mailFromAnIgnoredHostIsNotChecked() throws Exception {
        server.close();
        Path conf = dir.resolve("config/mailwarden.conf");
        Files.writeString(conf, Files.readString(conf).replace("mailauth.ignore-hosts =", "mailauth.ignore-hosts = "
                + "127.0.0.0/8"));
        server = TestServer.start(dir);
        assertThat(send("x@attacker.test", "From: Bank <service@bank.test>\r\nSubject: urgent\r\n\r\npay\r\n"))
                .startsWith("250 ");
        assertThat(server.messages(ALICE).getFirst()).doesNotContain("Authentication-Results");
    }

    @Test
    void anSpfFailWithoutDmarcIsRefusedAsPolicydSpfDoes() throws Exception {
        assertThat(send("x@attacker.test", "From: <x@attacker.test>\r\nSubject: hi\r\n\r\nhi\r\n"))
                .startsWith("550 5.7.23 SPF check failed for attacker.test");
        assertThat(server.messages(ALICE)).isEmpty();
    }
}
