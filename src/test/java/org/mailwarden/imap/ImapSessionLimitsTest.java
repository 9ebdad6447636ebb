package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** Timeouts (before login, after login, in IDLE) and the STARTTLS injection defence. */
class ImapSessionLimitsTest {

    @RegisterExtension
    final TestServerExtension server = TestServerExtension.startedByEachTest();

    @Test
    void idleClientsAreLoggedOut() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir, "imap.login-timeout = 300ms\nimap.idle-timeout = 800ms"));
        try (ImapClient c = new ImapClient(server.get().imapPort(), false)) {
            c.line();
            long start = System.nanoTime();
            assertThat(c.line()).isEqualTo("* BYE Autologout; login timeout");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(200L, 5000L);
            assertThat(c.closedByServer()).isTrue();
        }
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("SELECT INBOX");
            c.send("i1 IDLE\r\n");
            assertThat(c.line()).startsWith("+ ");
            long start = System.nanoTime();
            // IDLE is bounded by the logged-in idle timeout, not the (shorter) login timeout
            assertThat(c.line()).isEqualTo("* BYE Autologout; idle for too long");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(600L);
        }
        assertThat(server.get().events(Event.Timeout.class)).extracting(Event.Timeout::stage)
                .containsExactly("login", "command");
    }

    @Test
    void idleKeepalivesOverTlsLeaveTheSessionUsable() throws Exception {
        // the connection's thread waits for DONE with a read timeout per keepalive: each timeout must leave
        // the TLS stream intact, and a delivery meanwhile is pushed by another thread
        server.start(dir -> TestServer.startWithConfig(dir, "imap.idle-keepalive = 150ms\nimap.idle-timeout = 30s"));
        try (ImapClient c = ImapClient.loggedIn(server.get().imapsPort(), "alice@example.test", "secret-alice")) {
            c.command("SELECT INBOX");
            c.send("i1 IDLE\r\n");
            assertThat(c.line()).startsWith("+ ");
            assertThat(c.line()).isEqualTo("* OK Still here");
            assertThat(c.line()).isEqualTo("* OK Still here");
            assertThat(server.get().server.imapIdleSessions()).isEqualTo(1);
            ImapProtocolTest.deliver(server.get(), "alice@example.test", "during idle", "x");
            String next = c.line();
            while (next.equals("* OK Still here")) {
                next = c.line();
            }
            assertThat(next).isEqualTo("* 1 EXISTS");
            assertThat(c.line()).isEqualTo("* 1 RECENT");
            assertThat(c.line()).isEqualTo("* OK Still here");
            c.send("DO");
            c.send("NE\r\n");
            assertThat(c.until("i1").getLast()).isEqualTo("i1 OK IDLE terminated");
            assertThat(server.get().server.imapIdleSessions()).isZero();
            assertThat(c.command("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
                    .anySatisfy(l -> assertThat(l).contains("during idle"));
            assertThat(c.command("NOOP").getLast()).endsWith("OK NOOP completed");
        }
    }

    @Test
    void aClientThatStopsReadingIsDisconnected() throws Exception {
        server.start(dir -> TestServer.startWithConfig(dir, "limits.write-timeout = 1s"));
        // a 2 MiB message, fetched 16 times without reading a byte: far more than the socket buffers hold
        Path inbox = server.get().inbox("alice@example.test");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("1700000000.M1P1.mx.example.test"),
                "Subject: big\n\n" + ("y".repeat(1023) + "\n").repeat(2048));
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true, new byte[0], 8192)) {
            c.line();
            c.login("alice@example.test", "secret-alice");
            assertThat(c.command("SELECT INBOX")).anySatisfy(l -> assertThat(l).isEqualTo("* 1 EXISTS"));
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                burst.append("f").append(i).append(" FETCH 1 BODY.PEEK[]\r\n");
            }
            c.send(burst.toString());
            Await.until("the write timeout", Duration.ofSeconds(20),
                    () -> !server.get().events(Event.Timeout.class).isEmpty());
            assertThat(server.get().events(Event.Timeout.class)).extracting(Event.Timeout::stage)
                    .containsExactly("write");
            Await.until("the session closed", Duration.ofSeconds(10),
                    () -> !server.get().events(Event.ConnectionClosed.class).isEmpty());
        }
    }

    @Test
    void commandsPipelinedAfterStartTlsAreDropped() throws Exception {
        server.start();
        try (ImapClient c = new ImapClient(server.get().imapPort(), false)) {
            c.line();
            // the LOGIN rides in clear text behind STARTTLS: it must not run inside TLS
            c.send("a1 STARTTLS\r\na2 LOGIN alice@example.test secret-alice\r\n");
            assertThat(c.line()).isEqualTo("a1 OK Begin TLS negotiation now");
            c.upgradeAfterStartTls();
            assertThat(c.command("NOOP").getLast()).isEqualTo("a1 OK NOOP completed");
            assertThat(c.command("SELECT INBOX").getLast()).startsWith("a2 BAD Log in first");
        }
        assertThat(server.get().events(Event.ProtocolError.class)).extracting(Event.ProtocolError::reason)
                .contains("pipelined-after-starttls");
        assertThat(server.get().events(Event.AuthSuccess.class)).isEmpty();
    }

    @Test
    void connectionEventsCarryImapProtocol() throws Exception {
        server.start();
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            c.command("LOGOUT");
        }
        org.mailwarden.support.Await.until("disconnect event", java.time.Duration.ofSeconds(5),
                () -> !server.get().events(Event.ConnectionClosed.class).isEmpty());
        Event.ConnectionClosed closed = server.get().events(Event.ConnectionClosed.class).getFirst();
        assertThat(closed.origin().proto()).isEqualTo("imap");
        assertThat(closed.origin().listener()).isEqualTo("imaps");
        assertThat(closed.reason()).isEqualTo("logout");
    }
}
