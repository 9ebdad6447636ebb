package org.mailwarden.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.gate.AdminApi;
import org.mailwarden.support.ImapClient;
import org.mailwarden.support.ServerProcess;

/**
 * What clients announce or leave unread never takes the server's heap: a server with 96 MiB of heap refuses 30
 * announced 50 MiB literals before login, serves 30 fetches of a 9 MiB message that nobody reads, and meanwhile
 * still takes an APPEND of that size and serves a new session. The heap is what the server reports after a GC.
 */
class ImapMemoryTest {

    private static final long MIB = 1024 * 1024;
    private static final long HEAP_BOUND = 48 * MIB;

    @TempDir
    Path dir;

    private Process server;
    private int imaps;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final List<ImapClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve("mailwarden.conf"), """
                listen.address = 127.0.0.1
                hostname = mx.example.test
                smtp.greet-wait = 0
                dns.server = 127.0.0.1:9
                mailauth.enabled = 0
                auth.failure-delay = 20ms
                limits.connection-rate = 0
                limits.max-connections-per-ip = 0
                """);
        Files.writeString(config.resolve("postfix-accounts.cf"),
                "alice@example.test|" + PasswordHashes.hash("secret-alice".toCharArray()) + "\n");
        imaps = ServerProcess.freePort();
        server = ServerProcess.start(dir, ServerProcess.freePort(), imaps, List.of("-Xmx96m"), output::add);
    }

    @AfterEach
    void stop() throws Exception {
        for (ImapClient c : clients) {
            c.close();
        }
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
    }

    private long heapUsed() throws Exception {
        Path state = dir.resolve("state");
        int port = Integer.parseInt(Files.readString(state.resolve(AdminApi.PORT_FILE)).strip());
        String token = Files.readString(state.resolve(AdminApi.TOKEN_FILE)).strip();
        try (HttpClient http = HttpClient.newHttpClient()) {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                    .header(AdminApi.TOKEN_HEADER, token).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("\"heapUsed\":(\\d+)").matcher(body);
            assertThat(m.find()).as(body).isTrue();
            return Long.parseLong(m.group(1));
        }
    }

    private ImapClient connect(int receiveBuffer) throws Exception {
        ImapClient c = new ImapClient(imaps, true, new byte[0], receiveBuffer);
        clients.add(c);
        assertThat(c.line()).startsWith("* OK");
        return c;
    }

    private static byte[] message() {
        StringBuilder m = new StringBuilder("From: a@example.test\r\nSubject: nine\r\n\r\n");
        for (int i = 0; m.length() < 9 * MIB; i++) {
            m.append(String.format("%08d", i)).append(" ").append("z".repeat(90)).append("\r\n");
        }
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void announcedAndUnreadOctetsDoNotFillTheHeap() throws Exception {
        // 30 clients announce 50 MiB before login and stay connected; 5 more say LITERAL+ and are closed
        for (int i = 0; i < 30; i++) {
            ImapClient c = connect(0);
            c.send("a1 LOGIN {52428800}\r\n");
            assertThat(c.line()).startsWith("a1 BAD [TOOBIG]");
        }
        for (int i = 0; i < 5; i++) {
            ImapClient c = connect(0);
            c.send("a1 LOGIN {52428800+}\r\n");
            assertThat(c.line()).startsWith("a1 BAD [TOOBIG]");
            assertThat(c.line()).startsWith("* BYE");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(heapUsed()).isLessThan(HEAP_BOUND);

        // a logged-in user appends a 9 MiB message
        byte[] message = message();
        ImapClient writer = connect(0);
        writer.login("alice@example.test", "secret-alice");
        writer.send("w1 APPEND INBOX {" + message.length + "}\r\n");
        assertThat(writer.line()).startsWith("+ ");
        writer.send(new String(message, StandardCharsets.US_ASCII) + "\r\n");
        assertThat(writer.until("w1").getLast()).startsWith("w1 OK [APPENDUID ");

        // 30 sessions fetch it and read nothing but the first line of the answer
        for (int i = 0; i < 30; i++) {
            ImapClient c = connect(4096);
            c.login("alice@example.test", "secret-alice");
            assertThat(c.command("EXAMINE INBOX")).contains("* 1 EXISTS");
            c.send("f1 FETCH 1 BODY.PEEK[]\r\n");
            assertThat(c.rawLine()).isEqualTo("* 1 FETCH (BODY[] {" + message.length + "}");
        }
        assertThat(heapUsed()).isLessThan(HEAP_BOUND);

        // meanwhile a new session gets the whole message
        ImapClient reader = connect(0);
        reader.login("alice@example.test", "secret-alice");
        reader.command("EXAMINE INBOX");
        List<String> f = reader.command("FETCH 1 (RFC822.SIZE BODY.PEEK[TEXT] BODY.PEEK[])");
        String line = f.getFirst();
        assertThat(line).startsWith("* 1 FETCH (RFC822.SIZE " + message.length + " BODY[TEXT] {");
        int body = line.indexOf("BODY[] {" + message.length + "}\r\n");
        assertThat(body).isPositive();
        String fetched = line.substring(body + ("BODY[] {" + message.length + "}\r\n").length(), line.length() - 1);
        assertThat(sha(fetched.getBytes(StandardCharsets.US_ASCII))).isEqualTo(sha(message));
        assertThat(f.getLast()).endsWith("OK FETCH completed");
        assertThat(heapUsed()).isLessThan(HEAP_BOUND);
        assertThat(output).noneMatch(l -> l.contains("OutOfMemoryError"));
    }
}
