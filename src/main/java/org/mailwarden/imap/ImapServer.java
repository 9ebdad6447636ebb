package org.mailwarden.imap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.config.ImapConfig;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.Connection;
import org.mailwarden.gate.ConnectionHandler;
import org.mailwarden.store.MailStore;
import org.mailwarden.store.QuotaService;
import org.mailwarden.tls.TlsProvider;

/**
 * The IMAP protocol server (RFC 3501 IMAP4rev1 with IDLE, UIDPLUS, MOVE, NAMESPACE, SPECIAL-USE, LITERAL+,
 * ENABLE, ID, UNSELECT, CHILDREN, SASL-IR, QUOTA, CONDSTORE) on the store's faces: what every IMAP session shares.
 */
public final class ImapServer implements ConnectionHandler {

    final String hostname;
    final ImapConfig config;
    final Authenticator auth;
    final MailStore store;
    final TlsProvider tls;
    final EventBus events;
    final QuotaService quotas;
    /** Sessions in IDLE now. */
    final AtomicInteger idling = new AtomicInteger();

    public ImapServer(String hostname, ImapConfig config, Authenticator auth, MailStore store, TlsProvider tls,
            EventBus events, QuotaService quotas) {
        this.quotas = quotas;
        this.hostname = hostname;
        this.config = config;
        this.auth = auth;
        this.store = store;
        this.tls = tls;
        this.events = events;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new ImapSession(this, connection).run();
    }

    @Override
    public void refuse(OutputStream out, String reason) throws IOException {
        out.write(("* BYE [UNAVAILABLE] " + reason + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** How many sessions are in IDLE now (for operators and tests). */
    public int idleSessions() {
        return idling.get();
    }

    @Override
    public String protocol() {
        return "imap";
    }
}
