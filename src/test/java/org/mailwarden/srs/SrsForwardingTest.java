package org.mailwarden.srs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestDns;
import org.mailwarden.support.TestServer;

/**
 * SRS end to end on loopback: example.test (SRS on, its alias fwd@example.test forwards to dave@remote.test) and a
 * second Mailwarden for remote.test reached through a test DNS server's MX records. The forward leaves with an SRS0
 * envelope sender (read back from the Return-Path dave's copy got), and a bounce sent to it over port 25 is reversed
 * and delivered to the original sender, remote or local; forged and expired SRS addresses get 550 at RCPT.
 */
class SrsForwardingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern RETURN_PATH = Pattern.compile("Return-Path: <([^>]*)>");
    private static final SrsCodec CODEC = new SrsCodec(List.of("tops3cret", "old-secret"));

    @TempDir
    Path dir;
    TestDns dns;
    TestServer remote;
    TestServer local;

    @BeforeEach
    void start() throws Exception {
        dns = new TestDns();
        dns.mx("remote.test", 10, "mx.remote.test").a("mx.remote.test", "127.0.0.1");
        remote = server("remote", "remote.test", "", "dave@remote.test|{PLAIN}x\nerin@remote.test|{PLAIN}x\n");
        Files.createDirectories(dir.resolve("local/config"));
        Files.writeString(dir.resolve("local/config/postfix-virtual.cf"), "fwd@example.test dave@remote.test\n");
        local = server("local", "example.test", """
                outbound.port = %d
                queue.retry-initial = 200ms
                queue.retry-max = 1s
                srs.enabled = 1
                srs.secret = tops3cret, old-secret
                srs.exclude-domains = excluded.test
                """.formatted(remote.smtpPort()), "alice@example.test|"
                + PasswordHashes.hash("secret-alice".toCharArray()) + "\nolga@example.org|{PLAIN}x\n");
    }

    /** A Mailwarden for {@code domain} in {@code dir/name}, asking the test DNS server, with these accounts. */
    private TestServer server(String name, String domain, String extraConf, String accounts) throws Exception {
        return TestServer.startForDomain(dir.resolve(name), domain, dns.server(), extraConf, accounts);
    }

    @AfterEach
    void stop() throws Exception {
        for (TestServer t : new TestServer[] {local, remote}) {
            if (t != null) {
                t.close();
            }
        }
        dns.close();
    }

    /** Sends a message from {@code sender} to {@code rcpt} on example.test's port 25; returns the final reply. */
    private String send(String sender, String rcpt, String subject) throws Exception {
        try (SmtpClient c = new SmtpClient(local.smtpPort())) {
            c.read();
            c.cmd("EHLO client.remote.test");
            assertThat(c.cmd("MAIL FROM:<" + sender + ">")).startsWith("250");
            String r = c.cmd("RCPT TO:<" + rcpt + ">");
            if (!r.startsWith("250")) {
                return r;
            }
            assertThat(c.cmd("DATA")).startsWith("354");
            return c.cmd("From: <" + (sender.isEmpty() ? "mailer-daemon@remote.test" : sender) + ">\r\nSubject: "
                    + subject + "\r\n\r\nbody of " + subject + "\r\n.");
        }
    }

    /** The envelope sender dave@remote.test saw for the message with this subject. */
    private String daveSaw(String subject) {
        Await.until("'" + subject + "' at dave", WAIT, () -> remote.messages("dave@remote.test").stream()
                .anyMatch(m -> m.contains("Subject: " + subject)));
        String m = remote.messages("dave@remote.test").stream().filter(x -> x.contains("Subject: " + subject))
                .findFirst().orElseThrow();
        Matcher rp = RETURN_PATH.matcher(m);
        assertThat(rp.find()).as("Return-Path in " + m).isTrue();
        return rp.group(1);
    }

    @Test
    void aForwardLeavesWithAnSrsSenderAndABounceToItReachesTheOriginalSender() throws Exception {
        assertThat(send("erin@remote.test", "fwd@example.test", "Forward me")).startsWith("250");
        String srs = daveSaw("Forward me");
        assertThat(srs).matches("SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=remote\\.test=erin@example\\.test");
        assertThat(srs).isEqualTo(CODEC.forward("erin@remote.test", "example.test", Instant.now()));

        // the bounce dave's server would send, over port 25, to the SRS address; the hash in lower case still counts
        String bounceTo = srs.substring(0, 5) + srs.substring(5, 9).toLowerCase() + srs.substring(9);
        assertThat(send("", bounceTo, "Undelivered: Forward me")).startsWith("250");
        Await.until("bounce at erin", WAIT, () -> remote.messages("erin@remote.test").size() == 1);
        assertThat(remote.messages("erin@remote.test").getFirst()).contains("Return-Path: <>")
                .contains("Subject: Undelivered: Forward me");
    }

    @Test
    void aLongOriginalAddressMakesAnSrsLocalPartOverSixtyFourOctetsThatStillWorks() throws Exception {
        String sender = "firstname.middlename.lastname.department.xy@remote.test";
        assertThat(send(sender, "fwd@example.test", "Long sender")).startsWith("250");
        String srs = daveSaw("Long sender");
        assertThat(srs.substring(0, srs.lastIndexOf('@'))).hasSizeGreaterThan(64);
        assertThat(send("", srs, "Bounce for the long one")).startsWith("250");
        assertThat(send("", "x".repeat(65) + "@example.test", "too long")).startsWith("501 5.1.3");
    }

    @Test
    void aBounceToAnSrsAddressOfALocalSenderIsDeliveredToItsMailbox() throws Exception {
        // as a docker-mailserver's postsrsd rewrote olga@example.org (another hosted domain) before the move
        String old = new SrsCodec(List.of("old-secret")).forward("olga@example.org", "example.test", Instant.now());
        assertThat(send("", old, "Bounce for olga")).startsWith("250");
        assertThat(local.messages("olga@example.org")).singleElement().satisfies(m ->
                assertThat(m).contains("Subject: Bounce for olga"));
    }

    @Test
    void forgedExpiredAndBrokenSrsAddressesAreRefusedAtRcpt() throws Exception {
        String valid = CODEC.forward("erin@remote.test", "example.test", Instant.now());
        String forged = "SRS0=" + (valid.startsWith("SRS0=AAAA") ? "BBBB" : "AAAA") + valid.substring(9);
        assertThat(send("", forged, "x")).startsWith("550 5.1.1");
        String expired = CODEC.forward("erin@remote.test", "example.test", Instant.now().minus(Duration.ofDays(22)));
        assertThat(send("", expired, "x")).startsWith("550 5.1.1");
        assertThat(send("", "SRS0=abcd=JV@example.test", "x")).startsWith("550 5.1.1");
        assertThat(send("", "SRS1=XXXX=fwd.test==abcd=AB=orig.test=user@example.test", "x")).startsWith("550 5.1.1");
        assertThat(local.events(Event.UnknownRecipient.class)).hasSize(4);
        assertThat(remote.messages("erin@remote.test")).isEmpty();
    }

    @Test
    void anotherForwardersSrs0SenderIsWrappedAsSrs1AndItsBounceGoesBackToThatForwarder() throws Exception {
        assertThat(send("SRS0=abcd=AB=orig.test=user@remote.test", "fwd@example.test", "Twice forwarded"))
                .startsWith("250");
        String srs1 = daveSaw("Twice forwarded");
        assertThat(srs1).matches("SRS1=[A-Za-z0-9+/]{4}=remote\\.test==abcd=AB=orig\\.test=user@example\\.test");

        assertThat(send("", srs1, "Bounce to the first forwarder")).startsWith("250");
        // reversed to the first forwarder's SRS0 address, which remote.test (no SRS there) does not know
        Await.until("attempt to remote.test", WAIT, () -> local.events(Event.DeliveryAttempt.class).stream()
                .anyMatch(a -> a.rcpt().equals("SRS0=abcd=AB=orig.test=user@remote.test") && a.code() == 550));
    }

    @Test
    void localExcludedAndNullSendersLeaveAsTheyAre() throws Exception {
        assertThat(send("alice@example.test", "fwd@example.test", "From alice")).startsWith("250");
        assertThat(daveSaw("From alice")).isEqualTo("alice@example.test");
        assertThat(send("x@excluded.test", "fwd@example.test", "From excluded")).startsWith("250");
        assertThat(daveSaw("From excluded")).isEqualTo("x@excluded.test");
        assertThat(send("", "fwd@example.test", "From nobody")).startsWith("250");
        assertThat(daveSaw("From nobody")).isEmpty();
    }
}
