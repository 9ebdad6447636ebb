package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mailwarden.events.Event;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;

/** AUTHENTICATE through the SASL exchange SMTP and POP3 share: LOGIN as well as PLAIN, cancels, bad answers. */
class ImapAuthenticateTest {

    private static final String ALICE = "alice@example.test";

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(dir -> TestServer.startWithConfig(dir,
            "imap.max-line-length = 1000"));

    private static String token(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void loginWithPromptsAndWithAnInitialResponse() throws Exception {
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            assertThat(c.line()).contains("AUTH=PLAIN", "AUTH=LOGIN");
            c.send("a1 AUTHENTICATE LOGIN\r\n");
            assertThat(c.line()).isEqualTo("+ VXNlcm5hbWU6");
            c.send(token(ALICE) + "\r\n");
            assertThat(c.line()).isEqualTo("+ UGFzc3dvcmQ6");
            c.send(token("wrong") + "\r\n");
            assertThat(c.line()).isEqualTo("a1 NO [AUTHENTICATIONFAILED] Authentication failed");
            c.send("a2 AUTHENTICATE LOGIN " + token(ALICE) + "\r\n");
            assertThat(c.line()).isEqualTo("+ UGFzc3dvcmQ6");
            c.send(token("secret-alice") + "\r\n");
            assertThat(c.until("a2").getLast()).startsWith("a2 OK [CAPABILITY ");
        }
        assertThat(server.get().events(Event.AuthSuccess.class)).extracting(Event.AuthSuccess::mechanism)
                .containsExactly("LOGIN");
        assertThat(server.get().events(Event.AuthFailure.class)).extracting(Event.AuthFailure::mechanism,
                Event.AuthFailure::reason).containsExactly(org.assertj.core.groups.Tuple.tuple("LOGIN",
                        "bad-credentials"));
    }

    @Test
    void cancelledMalformedAndOverLongAnswersAreRefusedWithoutALoginAttempt() throws Exception {
        try (ImapClient c = new ImapClient(server.get().imapsPort(), true)) {
            c.line();
            c.send("a1 AUTHENTICATE PLAIN\r\n");
            assertThat(c.line()).isEqualTo("+ ");
            c.send("*\r\n");
            assertThat(c.line()).isEqualTo("a1 BAD Authentication cancelled");
            c.send("a2 AUTHENTICATE LOGIN\r\n");
            assertThat(c.line()).isEqualTo("+ VXNlcm5hbWU6");
            c.send("!!not base64\r\n");
            assertThat(c.line()).isEqualTo("a2 BAD Invalid base64 in authentication response");
            c.send("a3 AUTHENTICATE PLAIN\r\n");
            assertThat(c.line()).isEqualTo("+ ");
            c.send("A".repeat(3000) + "\r\n");
            assertThat(c.line()).isEqualTo("a3 BAD Authentication response too long");
            assertThat(c.command("AUTHENTICATE PLAIN " + token(ALICE + "\0secret-alice")).getLast())
                    .isEqualTo("a1 BAD Malformed PLAIN response");
            assertThat(c.command("AUTHENTICATE CRAM-MD5").getLast()).startsWith("a2 NO [CANNOT]");
        }
        assertThat(server.get().events(Event.AuthFailure.class)).isEmpty();
        assertThat(server.get().events(Event.AuthSuccess.class)).isEmpty();
    }
}
