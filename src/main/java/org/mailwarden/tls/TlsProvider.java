package org.mailwarden.tls;

import javax.net.ssl.SSLContext;

/** Supplies the server's current TLS context (reloaded when certificate files change). */
public interface TlsProvider {
    SSLContext context();

    /** TLS protocol versions offered to clients. */
    default String[] protocols() {
        return new String[] {"TLSv1.3", "TLSv1.2"};
    }
}
