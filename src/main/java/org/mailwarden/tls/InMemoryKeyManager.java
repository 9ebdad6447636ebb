package org.mailwarden.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The PKIX key manager's choice (by the algorithms the client offers), with the one key and chain handed out from
 * memory. PKIX reads them back from its PKCS12 KeyStore on every handshake, which decrypts the key each time
 * (PBKDF2, 10,000 rounds of HMAC-SHA256): a quarter of the CPU of a POP3 session, more than the handshake's own
 * crypto. The store holds a single entry, so every alias PKIX chooses names it.
 */
final class InMemoryKeyManager extends X509ExtendedKeyManager {

    private final X509ExtendedKeyManager pkix;
    private final PrivateKey key;
    private final X509Certificate[] chain;

    InMemoryKeyManager(X509ExtendedKeyManager pkix, PrivateKey key, X509Certificate[] chain) {
        this.pkix = pkix;
        this.key = key;
        this.chain = chain.clone();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return pkix.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return pkix.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return pkix.getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return alias == null ? null : chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return alias == null ? null : key;
    }

    /** A server has no client certificate. */
    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }
}
