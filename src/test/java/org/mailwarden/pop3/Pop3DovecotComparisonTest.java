package org.mailwarden.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.support.TestMaildir;
import org.mailwarden.support.TestServer;
import org.mailwarden.support.TestServerExtension;
import org.mailwarden.support.TrustAll;

/**
 * The same Maildir through Dovecot's own POP3 (Debian's dovecot-pop3d, 2.3, run pre-authenticated on stdin/stdout
 * with docker-mailserver's defaults, {@code pop3_uidl_format = %08Xu%08Xv}) and through Mailwarden's: the same
 * UIDLs, sizes and bytes of RETR and TOP, so a POP3 client moving over from docker-mailserver fetches nothing again.
 * Both directions: a mailbox Dovecot wrote (src/test/resources/dovecot-maildir), and one Mailwarden wrote.
 */
class Pop3DovecotComparisonTest {

    private static final Path DOVECOT_POP3 = Path.of("/usr/lib/dovecot/pop3");
    private static final String ALICE = Pop3ProtocolTest.ALICE;

    @RegisterExtension
    final TestServerExtension server = new TestServerExtension(dir -> TestServer.startWithConfig(dir, "pop3.enabled = 1"));

    @TempDir
    Path work;

    @BeforeEach
    void dovecotIsThere() {
        Assumptions.assumeTrue(Files.isExecutable(DOVECOT_POP3), "Dovecot's pop3 (" + DOVECOT_POP3 + ") is not "
                + "installed: run scripts/install-test-tools.sh (apt-get install dovecot-pop3d)");
    }

    @Test
    void aMailboxDovecotWroteGivesDovecotsUidlsAndBytes() throws Exception {
        Path fixture = Path.of(getClass().getResource("/dovecot-maildir/user5").toURI());
        TestMaildir.copyTree(fixture, server.get().server.store().mailboxDir(ALICE));
        Path forDovecot = TestMaildir.copyTree(fixture, work.resolve("dovecot/user5"));
        List<String> commands = transcript(7);

        List<List<String>> dovecot = dovecot(forDovecot, commands);
        List<List<String>> mailwarden = mailwarden(commands);
        // Dovecot's own view of its fixture, as it printed it when this test was written
        assertThat(dovecot.get(1)).containsExactly("+OK\r", "1 000000016b042c23\r", "2 000000026b042c23\r",
                "3 000000046b042c23\r", "4 000000056b042c23\r", "5 000000066b042c23\r", "6 000000086b042c23\r",
                "7 000000096b042c23\r");
        assertSame(commands, dovecot, mailwarden);
    }

    @Test
    void aMailboxMailwardenWroteGivesTheSameUidlsAndBytesInDovecot() throws Exception {
        server.get().deliver(ALICE, "plain", "hello");
        server.get().deliver(ALICE, "dots", "..a dot\r\n...two\r\n..\r\n\r\nafter a blank line");
        server.get().deliver(ALICE, "long", ("a long line " + "x".repeat(900) + "\r\n").repeat(50));
        server.get().deliver(ALICE, "bye", "last");
        // a first POP3 session gives the messages their UIDs (written to dovecot-uidlist) and moves them to cur/
        assertThat(mailwarden(List.of("UIDL", "QUIT")).getFirst()).hasSize(5);
        Path forDovecot = TestMaildir.copyTree(server.get().server.store().mailboxDir(ALICE), work.resolve("dovecot/alice"));
        List<String> commands = transcript(4);

        assertSame(commands, dovecot(forDovecot, commands), mailwarden(commands));
    }

    /** STAT, UIDL, LIST, and per message UIDL n, LIST n, RETR, TOP n 0, TOP n 2; then QUIT. */
    private static List<String> transcript(int messages) {
        List<String> c = new ArrayList<>(List.of("STAT", "UIDL", "LIST"));
        for (int n = 1; n <= messages; n++) {
            c.addAll(List.of("UIDL " + n, "LIST " + n, "RETR " + n, "TOP " + n + " 0", "TOP " + n + " 2"));
        }
        c.add("QUIT");
        return c;
    }

    /**
     * Answer by answer, exactly, but for what the two servers word differently: the status line of LIST (Dovecot:
     * "+OK 7 messages:", ours with the octets, as in RFC 1939) and QUIT's.
     */
    private static void assertSame(List<String> commands, List<List<String>> dovecot, List<List<String>> mailwarden) {
        assertThat(mailwarden).hasSameSizeAs(dovecot);
        for (int i = 0; i < commands.size(); i++) {
            String command = commands.get(i);
            List<String> d = dovecot.get(i);
            List<String> m = mailwarden.get(i);
            assertThat(d.getFirst()).as("Dovecot's answer to " + command).startsWith("+OK");
            if (command.equals("LIST")) {
                assertThat(m.getFirst()).startsWith(d.getFirst().replace(" messages:\r", " messages"));
                assertThat(m.subList(1, m.size())).as(command).isEqualTo(d.subList(1, d.size()));
            } else if (command.equals("QUIT")) {
                assertThat(m.getFirst()).startsWith("+OK");
            } else {
                assertThat(m).as(command).isEqualTo(d);
            }
        }
    }

    /** Runs Dovecot's pop3 pre-authenticated on {@code maildir} with {@code commands} pipelined on its stdin. */
    private List<List<String>> dovecot(Path maildir, List<String> commands) throws Exception {
        Path conf = work.resolve("dovecot.conf");
        long uid = (Integer) Files.getAttribute(work, "unix:uid");
        long gid = (Integer) Files.getAttribute(work, "unix:gid");
        if (uid == 0) {
            // Dovecot refuses mail access as root: the copy belongs to nobody, and Dovecot drops to it
            uid = 65534;
            gid = 65534;
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (Stream<Path> all = Files.walk(maildir.getParent())) {
                for (Path p : all.toList()) {
                    Files.setAttribute(p, "unix:uid", (int) uid);
                    Files.setAttribute(p, "unix:gid", (int) gid);
                }
            }
        }
        Files.writeString(conf, """
                mail_location = maildir:%s
                ssl = no
                log_path = /dev/stderr
                first_valid_uid = 1
                first_valid_gid = 1
                mail_uid = %d
                mail_gid = %d
                """.formatted(maildir, uid, gid));
        ProcessBuilder pb = new ProcessBuilder(DOVECOT_POP3.toString(), "-c", conf.toString())
                .redirectError(work.resolve("dovecot.log").toFile());
        pb.environment().clear();
        pb.environment().put("USER", "alice");
        pb.environment().put("HOME", maildir.toString());
        Process p = pb.start();
        p.getOutputStream().write(String.join("\r\n", commands).concat("\r\n").getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        List<List<String>> answers = answers(p.getInputStream(), commands);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(work.resolve("dovecot.log"))).isZero();
        return answers;
    }

    /** The same commands pipelined to Mailwarden's POP3 over 995, logged in as alice. */
    private List<List<String>> mailwarden(List<String> commands) throws Exception {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", server.get().pop3sPort()), 5000);
            plain.setSoTimeout(20_000);
            SSLSocket s = (SSLSocket) TrustAll.context().getSocketFactory().createSocket(plain, "127.0.0.1",
                    plain.getPort(), true);
            s.startHandshake();
            String login = "USER " + ALICE + "\r\nPASS " + Pop3ProtocolTest.PASSWORD + "\r\n";
            s.getOutputStream().write((login + String.join("\r\n", commands) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            List<List<String>> greetingAndLogin = answers(in, List.of("greeting", "USER", "PASS"));
            assertThat(greetingAndLogin).allMatch(a -> a.getFirst().startsWith("+OK"));
            return answers(in, commands);
        }
    }

    /**
     * Splits the answers to pipelined commands: per command its status line and, for a multi-line answer after +OK,
     * the lines before the final ".". Lines keep their CR, so line ends are compared too.
     */
    private static List<List<String>> answers(InputStream in, List<String> commands) throws IOException {
        List<List<String>> out = new ArrayList<>();
        for (String c : commands) {
            List<String> answer = new ArrayList<>();
            String status = rawLine(in);
            answer.add(status);
            boolean multi = c.equals("UIDL") || c.equals("LIST") || c.startsWith("RETR ") || c.startsWith("TOP ");
            if (multi && status.startsWith("+OK")) {
                for (String l = rawLine(in); !l.equals(".\r"); l = rawLine(in)) {
                    answer.add(l);
                }
            }
            out.add(answer);
        }
        return out;
    }

    private static String rawLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("end of stream after: " + b.toString(StandardCharsets.ISO_8859_1));
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
