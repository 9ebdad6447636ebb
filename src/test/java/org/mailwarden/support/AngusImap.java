package org.mailwarden.support;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.util.Properties;

/** Angus Mail's IMAP store, connected as a mail application would: STARTTLS required on 143, or TLS (993). */
public final class AngusImap {
    private AngusImap() {}

    /** Alice's store on a test server: 993 with {@code implicitTls}, else 143 with STARTTLS. */
    public static Store alice(TestServer t, boolean implicitTls) throws MessagingException {
        return connect(implicitTls ? t.imapsPort() : t.imapPort(), implicitTls, "alice@example.test",
                "secret-alice");
    }

    /** Set -Dimap.debug=true to see the protocol. */
    public static Store connect(int port, boolean implicitTls, String user, String password)
            throws MessagingException {
        Properties p = new Properties();
        String proto = implicitTls ? "imaps" : "imap";
        p.put("mail." + proto + ".ssl.trust", "*");
        p.put("mail." + proto + ".starttls.enable", "true");
        p.put("mail." + proto + ".starttls.required", "true");
        p.put("mail." + proto + ".connectiontimeout", "10000");
        p.put("mail." + proto + ".timeout", "20000");
        p.put("mail." + proto + ".statuscachetimeout", "0"); // every count asks the server
        Session session = Session.getInstance(p);
        session.setDebug(Boolean.getBoolean("imap.debug"));
        Store s = session.getStore(proto);
        s.connect("127.0.0.1", port, user, password);
        return s;
    }
}
