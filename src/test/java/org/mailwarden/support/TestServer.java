package org.mailwarden.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.config.SmtpConfig;
import org.mailwarden.directory.PasswordHashes;
import org.mailwarden.events.Event;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.ConnectionGate;
import org.mailwarden.server.MailServer;

/**
 * A real Mailwarden in this JVM on ephemeral loopback ports, with a data dir of docker-mailserver files.
 * Accounts: alice, bob, carol @example.test (password "secret-" + name). Aliases: team -> alice,bob;
 * catch-all for catchall.test -> carol.
 */
public final class TestServer implements AutoCloseable {

    public static final String DOMAIN = "example.test";

    public final Path dataDir;
    public final MailServer server;
    public final List<Event> events = new CopyOnWriteArrayList<>();

    private TestServer(Path dataDir, MailServer server) {
        this.dataDir = dataDir;
        this.server = server;
        server.events().subscribe(events::add);
    }

    public static TestServer start(Path dir) throws IOException {
        return start(dir, UnaryOperator.identity());
    }

    public static TestServer start(Path dir, UnaryOperator<SmtpConfig> limits) throws IOException {
        return startWith(dir, c -> c.withSmtp(limits.apply(c.smtp())));
    }

    /** Starts with the loaded configuration changed by {@code change} (for settings not in SmtpConfig). */
    public static TestServer startWith(Path dir, UnaryOperator<ServerConfig> change) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        writeDefaults(config);
        ServerConfig c = ServerConfig.load(dir, null, null, new ServerConfig.Ports(0, 0, 0, 0, 0, 0, 0), Map.of());
        MailServer s = new MailServer(change.apply(c), new EventBus(), ConnectionGate.OPEN).start();
        return new TestServer(dir, s);
    }

    static void writeDefaults(Path config) throws IOException {
        if (!Files.exists(config.resolve(ServerConfig.CONFIG_FILE))) {
            Files.writeString(config.resolve(ServerConfig.CONFIG_FILE), """
                    # tests listen on loopback only
                    listen.address = 127.0.0.1
                    hostname = mx.example.test
                    domains = catchall.test
                    auth.failure-delay = 20ms
                    # the pregreet test has its own tests; others should not wait for the greeting
                    smtp.greet-wait = 0
                    # no DNS traffic off loopback: mail for other domains waits in the queue
                    dns.server = 127.0.0.1:9
                    mailauth.enabled = 0
                    """);
        }
        if (!Files.exists(config.resolve("postfix-accounts.cf"))) {
            StringBuilder a = new StringBuilder();
            for (String u : List.of("alice", "bob", "carol")) {
                a.append(u).append('@').append(DOMAIN).append('|')
                        .append(PasswordHashes.hash(("secret-" + u).toCharArray())).append('\n');
            }
            Files.writeString(config.resolve("postfix-accounts.cf"), a);
            Files.writeString(config.resolve("postfix-virtual.cf"), """
                    team@example.test alice@example.test,bob@example.test
                    @catchall.test carol@example.test
                    """);
        }
    }

    public int smtpPort() {
        return server.port("smtp");
    }

    public int submissionPort() {
        return server.port("submission");
    }

    public int submissionsPort() {
        return server.port("submissions");
    }

    public int imapPort() {
        return server.port("imap");
    }

    public int imapsPort() {
        return server.port("imaps");
    }

    /** The POP3 ports, when the test turned POP3 on (pop3.enabled = 1). */
    public int pop3Port() {
        return server.port("pop3");
    }

    public int pop3sPort() {
        return server.port("pop3s");
    }

    /**
     * Delivers a message from sender@remote.test through SMTP (the real path), failing unless it is accepted.
     * {@code body} goes on the wire as given: its lines that start with "." must be doubled.
     */
    public void deliver(String rcpt, String subject, String body) throws IOException {
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.read();
            c.cmd("EHLO client.test");
            c.cmd("MAIL FROM:<sender@remote.test>");
            expect250(c.cmd("RCPT TO:<" + rcpt + ">"));
            c.cmd("DATA");
            expect250(c.cmd("From: Sender <sender@remote.test>\r\nTo: " + rcpt + "\r\nSubject: " + subject
                    + "\r\nDate: Mon, 2 Feb 2026 10:00:00 +0000\r\nMessage-ID: <" + subject.hashCode()
                    + "@remote.test>\r\n\r\n" + body + "\r\n."));
        }
    }

    private static void expect250(String reply) {
        if (!reply.startsWith("250")) {
            throw new AssertionError("expected 250, got: " + reply);
        }
    }

    /**
     * A Mailwarden for {@code domain} (hostname mx.DOMAIN) in {@code dir}, asking the DNS server {@code dnsServer}
     * (a {@link TestDns}), with these postfix-accounts.cf lines, and the mail checks on (their default, unlike
     * {@link #writeDefaults}'s): one of several servers talking SMTP to each other through MX records.
     */
    public static TestServer startForDomain(Path dir, String domain, String dnsServer, String extraConf,
            String accounts) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        Files.writeString(config.resolve(ServerConfig.CONFIG_FILE), """
                listen.address = 127.0.0.1
                hostname = mx.%s
                smtp.greet-wait = 0
                dns.server = %s
                # every server and client here is on loopback: check their mail anyway
                mailauth.ignore-hosts =
                """.formatted(domain, dnsServer) + extraConf);
        Files.writeString(config.resolve("postfix-accounts.cf"), accounts);
        return start(dir);
    }

    /** Starts with extra mailwarden.conf lines (e.g. imap.* limits) after the test defaults. */
    public static TestServer startWithConfig(Path dir, String extraConfig) throws IOException {
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        writeDefaults(config);
        Files.writeString(config.resolve(ServerConfig.CONFIG_FILE), extraConfig + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        return start(dir);
    }

    public java.util.List<java.nio.file.Path> queueEnvelopes() throws IOException {
        Path q = server.config().stateDir().resolve("queue");
        if (!Files.isDirectory(q)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(q)) {
            return s.filter(p -> p.toString().endsWith(".env")).sorted().toList();
        }
    }

    /** The queue's entries, as the delivery agent reads them. */
    public List<org.mailwarden.queue.QueueEntry> queueEntries() throws IOException {
        org.mailwarden.queue.QueueDir q = server.queue().queueDir();
        List<org.mailwarden.queue.QueueEntry> out = new ArrayList<>();
        for (String id : q.ids()) {
            q.load(id).ifPresent(out::add);
        }
        return out;
    }

    /** Rewrites a config file and bumps its mtime so the directory sees the change on its next look. */
    public void writeConfig(String file, String content) throws IOException {
        Path p = server.config().configDir().resolve(file);
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusSeconds(2)));
    }

    public Path inbox(String account) {
        return server.store().mailboxDir(account).resolve("new");
    }

    /** Messages in the account's INBOX new/, oldest first. */
    public List<String> messages(String account) {
        Path dir = inbox(account);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = new ArrayList<>(s.toList());
            files.sort(Comparator.comparing(p -> p.getFileName().toString()));
            List<String> out = new ArrayList<>();
            for (Path f : files) {
                out.add(Files.readString(f));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public <E extends Event> List<E> events(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void close() {
        server.close();
    }
}
