package org.mailwarden.server;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.config.ListenerConfig;
import org.mailwarden.config.PrivateFiles;
import org.mailwarden.config.ServerConfig;
import org.mailwarden.delivery.DeliveryPipeline;
import org.mailwarden.delivery.QuotaCheck;
import org.mailwarden.delivery.ReceiveRestrictions;
import org.mailwarden.directory.FileDirectory;
import org.mailwarden.directory.QuotaLimits;
import org.mailwarden.dns.DnsResolver;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.AdminApi;
import org.mailwarden.gate.ConnectionGate;
import org.mailwarden.gate.ConnectionHandler;
import org.mailwarden.gate.Listener;
import org.mailwarden.gate.SecurityGate;
import org.mailwarden.gate.kernel.KernelBans;
import org.mailwarden.imap.ImapServer;
import org.mailwarden.mailauth.MailAuth;
import org.mailwarden.mailauth.dkim.DkimKeys;
import org.mailwarden.pop3.Pop3Server;
import org.mailwarden.queue.DeliveryAgent;
import org.mailwarden.queue.DurableQueue;
import org.mailwarden.smtp.SmtpServer;
import org.mailwarden.srs.Srs;
import org.mailwarden.srs.SrsCodec;
import org.mailwarden.srs.SrsRouting;
import org.mailwarden.srs.SrsSecrets;
import org.mailwarden.store.MaildirStore;
import org.mailwarden.store.QuotaService;
import org.mailwarden.tls.PemTlsProvider;
import org.mailwarden.tls.SelfSigned;
import org.mailwarden.tls.TlsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Mailwarden process: the shared directory, store, queue, TLS and gate, and a listener per configured
 * port. Protocol servers are built here and know nothing of each other.
 */
public final class MailServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailServer.class);

    private final ServerConfig config;
    private final EventBus events;
    private final FileDirectory directory;
    private final org.mailwarden.auth.Authenticator auth;
    private final MaildirStore store;
    private final QuotaService quotas;
    private final Srs srs;
    /** How long a check of incoming mail waits for one DNS answer (the message's budget bounds the total). */
    private static final Duration CHECK_DNS_TIMEOUT = Duration.ofSeconds(5);
    private final DnsResolver checkDns;
    private final MailAuth mailAuth;
    private final DurableQueue queue;
    private final DeliveryPipeline delivery;
    private final TlsProvider tls;
    private final ConnectionGate gate;
    private final List<Listener> listeners = new ArrayList<>();
    private AdminApi admin;
    private KernelBans kernel = new KernelBans.Off("not started");
    private DeliveryAgent agent;
    private ImapServer imap;
    private Pop3Server pop3;

    public MailServer(ServerConfig config) throws IOException {
        this(config, new EventBus(), Clock.systemUTC());
    }

    /** With the security gate and ban engine built from the configuration; {@code clock} drives bans and limits. */
    public MailServer(ServerConfig config, EventBus events, Clock clock) throws IOException {
        this(config, events, SecurityGate.create(config.gate(), config.configDir(), config.stateDir(), clock));
    }

    /** With a given gate ({@link ConnectionGate#OPEN} for tests that do not exercise the gate). */
    public MailServer(ServerConfig config, EventBus events, ConnectionGate gate) throws IOException {
        this.config = config;
        this.events = events;
        this.gate = gate;
        Files.createDirectories(config.configDir());
        Files.createDirectories(config.mailDir());
        PrivateFiles.directory(config.stateDir()); // bans, the queue, the admin token: the server's user only
        if (gate instanceof SecurityGate sg) {
            sg.attach(events); // the ban engine and the per-account limiter consume every protocol's events
        }
        this.directory = new FileDirectory(config.configDir(), FileDirectory.DEFAULT_RELOAD_INTERVAL,
                config.extraDomains(), config.recipientDelimiter());
        this.auth = new org.mailwarden.auth.Authenticator(directory, events, config.submission().authFailureDelay());
        this.store = new MaildirStore(config.mailDir());
        this.quotas = new QuotaService(store, new QuotaLimits(config.configDir())::storageLimit);
        this.queue = new DurableQueue(config.stateDir().resolve("queue"));
        this.srs = config.srs().enabled() ? new Srs(new SrsCodec(SrsSecrets.load(config.srs())),
                config.srs().domain(), config.srs().excluded(), directory::isLocalDomain, Clock.systemUTC()) : Srs.OFF;
        // every path into a mailbox (SMTP, submission, the queue) runs these steps, in this order
        this.delivery = new DeliveryPipeline(store, queue, routing())
                .register(new ReceiveRestrictions(routing()))
                .register(new QuotaCheck(quotas));
        this.checkDns = new DnsResolver(config.outbound().dnsServer(), DnsResolver.Options.defaults(CHECK_DNS_TIMEOUT));
        this.mailAuth = MailAuth.create(config.mailAuth(), config.submission().trustedNetworks(), config.hostname(),
                checkDns, config.stateDir(), (from, to, message) -> queue.enqueue(from, java.util.List.of(to), message),
                Clock.systemUTC());
        delivery.register(mailAuth.step()); // SPF, DKIM, ARC, DMARC, iprev; Authentication-Results
        this.tls = config.tlsCert() != null
                ? new PemTlsProvider(config.tlsCert(), config.tlsKey(), Duration.ofSeconds(10))
                : SelfSigned.loadOrCreate(config.tlsDir(), config.hostname());
    }

    /** What runs once every port is bound and before any session or background work starts. */
    @FunctionalInterface
    public interface BeforeSessions {
        void run() throws IOException;
    }

    public MailServer start() throws IOException {
        return start(() -> { });
    }

    /**
     * Binds every listener, runs {@code beforeSessions} (serve drops root there: the ports below 1024 are bound by
     * then, and no session has run yet), then starts accepting, the admin API and the outbound queue.
     */
    public MailServer start(BeforeSessions beforeSessions) throws IOException {
        try {
            for (ListenerConfig l : config.listeners()) {
                ConnectionHandler handler = switch (l.protocol()) {
                    case SMTP -> smtp(SmtpServer.Mode.INBOUND);
                    case SUBMISSION -> smtp(SmtpServer.Mode.SUBMISSION);
                    case IMAP -> imap();
                    case POP3 -> pop3();
                };
                Listener listener = new Listener(l, gate, handler, tls, config.maxConnections(),
                        config.gate().writeTimeout(), config.gate().tlsHandshakeTimeout(), events);
                listeners.add(listener);
                listener.bind();
            }
            if (gate instanceof SecurityGate sg) { // nft is started while still root: it keeps root after the drop
                java.util.SortedSet<Integer> ports = new java.util.TreeSet<>();
                listeners.forEach(l -> ports.add(l.port()));
                kernel = KernelBans.start(sg.bans(), ports, Clock.systemUTC());
            }
            beforeSessions.run();
            for (Listener listener : listeners) {
                listener.start();
            }
            if (gate instanceof SecurityGate sg) {
                admin = new AdminApi(sg, config.stateDir(), kernel::statusJson).start();
            }
            startOutbound();
            mailAuth.start();
            Thread.ofVirtual().name("maildir-cleanup").start(store::cleanLeftovers);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (String warning : config.submission().warnings()) {
            LOG.warn("event=config-warning setting=relay.trusted-networks message=\"{}\"", warning);
        }
        LOG.info("event=started host={} data={} domains={}", config.hostname(), config.dataDir(),
                String.join(",", directory.localDomains()));
        return this;
    }

    // --- outbound delivery: the agent that empties the queue ---

    private void startOutbound() throws IOException {
        agent = new DeliveryAgent(queue, config.outbound(), config.hostname(), routing(), delivery,
                new DkimKeys(config.configDir()), srs, events, Duration.ofSeconds(1)).start();
    }

    /** The delivery pipeline: its steps, in order (a test registers one more). */
    public DeliveryPipeline delivery() {
        return delivery;
    }

    /** The outbound queue (its directory is shared with {@code mailwarden queue}). */
    public DurableQueue queue() {
        return queue;
    }

    private SmtpServer smtp(SmtpServer.Mode mode) {
        return new SmtpServer(mode, config.hostname(), config.smtp(), config.submission(), routing(), auth, delivery,
                tls, events);
    }

    /** One IMAP server for both IMAP listeners, so they share the open-mailbox registry. */
    private ImapServer imap() {
        if (imap == null) {
            imap = new ImapServer(config.hostname(), config.imap(), auth, store, tls, events,
                    quotas);
        }
        return imap;
    }

    /** One POP3 server for both POP3 listeners, so they share the maildrop locks. */
    private Pop3Server pop3() {
        if (pop3 == null) {
            pop3 = new Pop3Server(config.hostname(), config.pop3(), auth, store, tls, events);
        }
        return pop3;
    }

    /** IMAP sessions in IDLE now. */
    public int imapIdleSessions() {
        return imap == null ? 0 : imap.idleSessions();
    }

    /** The bound port of a listener by name (smtp, submission, submissions, imap, imaps, pop3, pop3s); -1 if not running. */
    public int port(String listenerName) {
        return listeners.stream().filter(l -> l.config().name().equals(listenerName)).mapToInt(Listener::port)
                .findFirst().orElse(-1);
    }

    /**
     * The directory as mail routing sees it: with postmaster@ falling back to POSTMASTER_ADDRESS, and SRS addresses
     * reversed when SRS is on.
     */
    private org.mailwarden.directory.Directory routing() {
        var d = new org.mailwarden.directory.PostmasterFallback(directory, config.postmasterAddress());
        return srs.enabled() ? new SrsRouting(d, srs) : d;
    }

    public ServerConfig config() {
        return config;
    }

    public EventBus events() {
        return events;
    }

    public FileDirectory directory() {
        return directory;
    }

    public MaildirStore store() {
        return store;
    }

    public ConnectionGate gate() {
        return gate;
    }

    /** The admin API's port, or -1 when there is none (a server without the security gate). */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    @Override
    public void close() {
        // every listener stops and closes its connections at once; then one deadline for all their sessions
        for (Listener l : listeners) {
            l.shutdown();
        }
        long deadline = System.nanoTime() + Listener.SHUTDOWN_WAIT.toNanos();
        for (Listener l : listeners) {
            l.awaitSessions(deadline);
        }
        listeners.clear();
        store.openFolders().close(); // the sessions ended: the indexes that linger write their state now
        mailAuth.close();
        if (agent != null) {
            agent.close();
            agent = null;
        }
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (gate instanceof SecurityGate sg) {
            sg.detach();
        }
        kernel.close(); // a clean stop removes the table: the bans stay in the state dir for the next start
        kernel = new KernelBans.Off("stopped");
        LOG.info("event=stopped");
    }
}
