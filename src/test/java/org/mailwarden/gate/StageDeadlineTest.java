package org.mailwarden.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventLog;
import org.mailwarden.support.Await;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.ServerClose;
import org.mailwarden.support.SmtpClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/**
 * Slowloris: a client that sends a byte now and then, never long enough apart for a read timeout, must still be
 * gone when its stage's deadline is up: an SMTP command line, the message data, a TLS handshake (implicit and
 * STARTTLS) and IMAP's greeting-to-login. Each gets the protocol's error where there is one and a typed timeout
 * event naming the stage.
 */
class StageDeadlineTest {

    /** Far below every per-read timeout below, so that only an overall deadline can end the connection. */
    private static final Duration DRIP = Duration.ofMillis(150);
    /** Much less than the time the server would be held without overall deadlines (the drip never ends). */
    private static final long MAX_MILLIS = 8000;

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(dir -> TestServer.startWithConfig(dir, """
            smtp.command-timeout = 1s
            smtp.data-timeout = 2s
            limits.tls-handshake-timeout = 3s
            imap.login-timeout = 1s
            """));

    @Test
    void aCommandLineDrippedByteByByteGets421WhenTheCommandTimeoutIsUp() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            long start = System.nanoTime();
            drip(c.socket.getOutputStream(), "EHLO a.very.slow.client.example.test ".repeat(20));
            assertThat(c.read()).startsWith("421 4.4.2").contains("imeout");
            assertThat(millisSince(start)).isBetween(800L, MAX_MILLIS);
            assertThat(c.closedByServer()).isTrue();
        }
        assertStage("command");
    }

    @Test
    void messageDataDrippedLineByLineGets421WhenTheDataTimeoutIsUp() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.example.test");
            c.cmd("MAIL FROM:<x@remote.test>");
            assertThat(c.cmd("RCPT TO:<alice@example.test>")).startsWith("250");
            assertThat(c.cmd("DATA")).startsWith("354");
            long start = System.nanoTime();
            drip(c.socket.getOutputStream(), "Subject: slow\r\n\r\n" + "x\r\n".repeat(2000));
            assertThat(c.read()).startsWith("421 4.4.2");
            assertThat(millisSince(start)).isBetween(1800L, MAX_MILLIS);
            assertThat(c.closedByServer()).isTrue();
        }
        assertStage("data");
        assertThat(server.get().messages("alice@example.test")).isEmpty();
    }

    @Test
    void anImplicitTlsHandshakeDrippedByteByByteIsClosedAtItsDeadline() throws Exception {
        try (Socket s = connect(server.get().imapsPort())) {
            long start = System.nanoTime();
            drip(s.getOutputStream(), clientHelloStart());
            assertThat(closedByServer(s.getInputStream())).isTrue();
            assertThat(millisSince(start)).isBetween(2800L, MAX_MILLIS);
        }
        assertStage("tls-handshake");
        assertThat(server.get().events(Event.TlsFailure.class)).isEmpty(); // a timeout, not a broken handshake
    }

    @Test
    void aStartTlsHandshakeDrippedByteByByteIsClosedAtItsDeadline() throws Exception {
        try (SmtpClient c = new SmtpClient(server.get().smtpPort())) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.example.test");
            assertThat(c.cmd("STARTTLS")).startsWith("220");
            long start = System.nanoTime();
            drip(c.socket.getOutputStream(), clientHelloStart());
            assertThat(closedByServer(c.socket.getInputStream())).isTrue();
            assertThat(millisSince(start)).isBetween(2800L, MAX_MILLIS);
        }
        assertStage("tls-handshake");
    }

    @Test
    void imapCommandsThatNeverLogInGetByeWhenTheLoginTimeoutIsUp() throws Exception {
        try (Socket s = connect(server.get().imapPort())) {
            InputStream in = s.getInputStream();
            assertThat(line(in)).startsWith("* OK ");
            long start = System.nanoTime();
            drip(s.getOutputStream(), "a NOOP\r\n".repeat(500)); // one complete command every 8 drips
            String bye = line(in);
            while (bye.startsWith("a OK") && millisSince(start) < MAX_MILLIS) {
                bye = line(in);
            }
            assertThat(bye).startsWith("* BYE ").endsWith("timeout");
            assertThat(millisSince(start)).isBetween(800L, MAX_MILLIS);
            assertThat(closedByServer(in)).isTrue();
        }
        assertStage("login");
    }

    @Test
    void theImapLoginTimeoutGoesOnAfterStartTls() throws Exception {
        try (ImapClient c = new ImapClient(server.get().imapPort(), false)) {
            assertThat(c.line()).startsWith("* OK ");
            long start = System.nanoTime();
            c.startTls();
            String bye = "";
            while (!bye.startsWith("* BYE") && millisSince(start) < MAX_MILLIS) {
                // busy, never idle: only the overall deadline, which STARTTLS did not end, can stop this
                bye = c.command("NOOP").stream().filter(l -> l.startsWith("* BYE")).findFirst().orElse("");
            }
            assertThat(bye).isEqualTo("* BYE Autologout; login timeout");
            assertThat(millisSince(start)).isBetween(800L, MAX_MILLIS);
        }
        assertStage("login");
    }

    private void assertStage(String stage) {
        Await.until("timeout event", Duration.ofSeconds(5), () -> !server.get().events(Event.Timeout.class).isEmpty());
        assertThat(server.get().events(Event.Timeout.class)).singleElement().satisfies(t -> {
            assertThat(t.stage()).isEqualTo(stage);
            assertThat(EventLog.format(t)).contains("event=timeout").contains("stage=" + stage);
        });
    }

    /** The first bytes of a TLS record carrying a ClientHello: a handshake that has begun and goes on slowly. */
    private static String clientHelloStart() {
        return "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003" + "\u0000".repeat(500);
    }

    /** Sends {@code text} one octet per {@link #DRIP} from a virtual thread, until done or the connection fails. */
    private static void drip(OutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        Thread.ofVirtual().start(() -> {
            try {
                for (byte b : bytes) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(DRIP); // the attack's pace, not a wait for the server
                }
            } catch (IOException | InterruptedException e) {
                // closed by the server: what the test waits for
            }
        });
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) MAX_MILLIS + 5000);
        return s;
    }

    private static boolean closedByServer(InputStream in) throws IOException {
        ServerClose.untilClosed(in); // a TLS alert or the rest of a reply may come before the close
        return true;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString().strip();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
