package org.mailwarden.pop3;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.mailwarden.auth.Authenticator;
import org.mailwarden.config.Pop3Config;
import org.mailwarden.events.EventBus;
import org.mailwarden.gate.Connection;
import org.mailwarden.gate.ConnectionHandler;
import org.mailwarden.store.MailStore;
import org.mailwarden.tls.TlsProvider;

/**
 * The POP3 server (RFC 1939 with RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 SASL PLAIN and LOGIN) on the accounts'
 * INBOX: what its sessions share, among them the maildrop locks. One for both POP3 listeners (110, 995).
 */
public final class Pop3Server implements ConnectionHandler {

    final String hostname;
    final Pop3Config config;
    final Authenticator auth;
    final MailStore store;
    final TlsProvider tls;
    final EventBus events;
    /** The maildrops (accounts, lower case) a POP3 session holds now: RFC 1939 4's exclusive-access lock. */
    private final Set<String> locked = ConcurrentHashMap.newKeySet();

    public Pop3Server(String hostname, Pop3Config config, Authenticator auth, MailStore store, TlsProvider tls,
            EventBus events) {
        this.hostname = hostname;
        this.config = config;
        this.auth = auth;
        this.store = store;
        this.tls = tls;
        this.events = events;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new Pop3Session(this, connection).run();
    }

    @Override
    public void refuse(OutputStream out, String reason) throws IOException {
        out.write(Pop3Reply.err("SYS/TEMP", reason).bytes());
        out.flush();
    }

    @Override
    public String protocol() {
        return "pop3";
    }

    /** Takes the maildrop lock of {@code account}'s INBOX; false when another POP3 session holds it. */
    boolean lock(String account) {
        return locked.add(account.toLowerCase(Locale.ROOT));
    }

    void unlock(String account) {
        locked.remove(account.toLowerCase(Locale.ROOT));
    }
}
