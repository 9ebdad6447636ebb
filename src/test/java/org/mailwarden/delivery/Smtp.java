package org.mailwarden.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.support.SmtpClient;

/** One SMTP transaction over a raw socket to port 25: the RCPT replies and the reply to the data, in order. */
final class Smtp {

    private Smtp() {}

    static List<String> send(int port, String from, List<String> to, String subject, String body) throws IOException {
        try (SmtpClient c = new SmtpClient(port)) {
            assertThat(c.read()).startsWith("220 ");
            c.cmd("EHLO client.remote.test");
            assertThat(c.cmd("MAIL FROM:<" + from + ">")).startsWith("250 ");
            List<String> replies = new ArrayList<>();
            for (String rcpt : to) {
                replies.add(c.cmd("RCPT TO:<" + rcpt + ">"));
            }
            String data = c.cmd("DATA");
            if (!data.startsWith("354")) {
                replies.add(data);
                return replies;
            }
            replies.add(c.cmd("Subject: " + subject + "\r\nFrom: <" + from + ">\r\n\r\n" + body + "\r\n."));
            c.cmd("QUIT");
            return replies;
        }
    }
}
