package org.mailwarden.srs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.config.SrsConfig;
import org.mailwarden.support.Await;

/**
 * Our SRS against the real postsrsd (Debian's 1.10, installed by scripts/install-test-tools.sh), both reading the
 * same secret file: today's rewrites are the same address, and each side reverses the other's, so a docker-mailserver
 * moved to Mailwarden keeps its bounces coming back. postsrsd runs in the foreground on two loopback ports (its
 * Postfix tcp_table protocol: "get ADDRESS" answered by "200 RESULT" or "500 REASON").
 */
class PostsrsdComparisonTest {

    static final Path POSTSRSD = Path.of("/usr/sbin/postsrsd");

    @TempDir
    Path dir;
    Process postsrsd;
    int forwardPort;
    int reversePort;
    Srs ours;

    @BeforeEach
    void start() throws Exception {
        assertThat(POSTSRSD).as("postsrsd (scripts/install-test-tools.sh installs it)").isExecutable();
        Path secret = dir.resolve("postsrsd.secret");
        Files.writeString(secret, "n3w-s3cret\r\ntops3cret\n\n");
        forwardPort = freePort();
        reversePort = freePort();
        postsrsd = new ProcessBuilder(POSTSRSD.toString(), "-s" + secret, "-dexample.test", "-l127.0.0.1",
                "-f" + forwardPort, "-r" + reversePort, "-X.sub.test,excluded.test").redirectErrorStream(true)
                .redirectOutput(dir.resolve("postsrsd.log").toFile()).start();
        Await.until("postsrsd listening", Duration.ofSeconds(10), () -> answers(forwardPort));
        SrsConfig config = new SrsConfig(true, "example.test", List.of(), secret, List.of(".sub.test", "excluded.test"));
        ours = new Srs(new SrsCodec(SrsSecrets.load(config)), "example.test", config.excluded(), Set.of()::contains,
                Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        if (postsrsd != null) {
            postsrsd.destroy();
            postsrsd.waitFor();
        }
    }

    @Test
    void theSameRewritesAsPostsrsd() throws Exception {
        for (String sender : List.of("erin@remote.test", "Erin.Long+tag@Mixed.Case.TEST", "x@excluded.test",
                "x@a.sub.test", "x@sub.test", "user@example.test", "SRS0=abcd=AB=orig.test=user@fwd.test",
                "SRS1=abcd=fwd.test==efgh=AB=orig.test=user@fwd2.test")) {
            String theirs = get(forwardPort, sender);
            String expected = theirs.startsWith("200 ") ? theirs.substring(4) : sender; // 500: left as it is
            assertThat(ours.outbound(sender)).as("rewrite of " + sender + " (postsrsd: " + theirs + ")")
                    .isEqualTo(expected);
        }
    }

    @Test
    void eachReversesTheOthersAddresses() throws Exception {
        String theirs = get(forwardPort, "erin@remote.test").substring(4);
        assertThat(ours.reverse(theirs)).isEqualTo(new SrsCodec.Reversal.Reversed("erin@remote.test"));
        String s1 = get(forwardPort, "SRS0=abcd=AB=orig.test=user@fwd.test").substring(4);
        assertThat(ours.reverse(s1)).isEqualTo(new SrsCodec.Reversal.Reversed("SRS0=abcd=AB=orig.test=user@fwd.test"));

        String mine = ours.outbound("olga@example.org");
        assertThat(get(reversePort, mine)).isEqualTo("200 olga@example.org");
        assertThat(get(reversePort, mine.toLowerCase())).isEqualTo("200 olga@example.org");
        // signed with the second secret of the file: both verify it
        SrsCodec old = new SrsCodec(List.of("tops3cret"));
        String byOld = old.forward("olga@example.org", "example.test", java.time.Instant.now());
        assertThat(get(reversePort, byOld)).isEqualTo("200 olga@example.org");
        assertThat(ours.reverse(byOld)).isEqualTo(new SrsCodec.Reversal.Reversed("olga@example.org"));
        // forged: both refuse
        String forged = "SRS0=AAAA" + mine.substring(9);
        assertThat(get(reversePort, forged)).startsWith("500 ");
        assertThat(ours.reverse(forged)).isInstanceOf(SrsCodec.Reversal.Invalid.class);
    }

    private static String get(int port, String key) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("get " + key + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return java.net.URLDecoder.decode(line.replace("+", "%2B"), StandardCharsets.US_ASCII);
        }
    }

    private static boolean answers(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
