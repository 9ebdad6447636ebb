package org.mailwarden.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the certificate in a pair of PEM files as Let's Encrypt clients write them: {@code fullchain.pem}
 * (leaf first, then intermediates) and {@code privkey.pem} (PKCS#8 or traditional RSA/EC form).
 *
 * <p>Renewals are picked up without a restart: {@link #context()} looks at the files' modification time,
 * size and identity at most once per check interval and rebuilds the context when they change. A renewal
 * that cannot be loaded (half-written, key and certificate out of step) never takes TLS down: the old
 * context stays in service and one {@code event=tls-reload-failed} line is logged; the files are retried
 * when they change again.
 *
 * <p>Thread-safe; callers on the hot path never block on a reload in progress.
 */
public final class PemTlsProvider implements TlsProvider {

    /** How often a long-running server looks at the files; renewals happen days before expiry. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(PemTlsProvider.class);

    /** Protects the key only inside this process's in-memory KeyStore; it is never written anywhere. */
    private static final char[] IN_MEMORY_PASSWORD = "mailwarden-in-memory".toCharArray();

    private final Path certFile;
    private final Path keyFile;
    private final long checkIntervalNanos;
    private final ReentrantLock reloadLock = new ReentrantLock();

    private volatile Loaded current;
    private volatile long nextCheckNanos;
    /** The file state the last load attempt (good or bad) was made for; guarded by reloadLock. */
    private FileStates lastAttempted;

    private record Loaded(SSLContext context, X509Certificate leaf) {}

    /** Identity plus mtime plus size: catches in-place rewrites as well as certbot's symlink swaps. */
    private record FileState(Object fileKey, FileTime modified, long size) {
        static final FileState MISSING = new FileState(null, null, -1);

        static FileState of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileState(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
            } catch (IOException e) {
                return MISSING;
            }
        }
    }

    private record FileStates(FileState cert, FileState key) {}

    /**
     * Loads the files now.
     *
     * @param checkInterval minimum time between looks at the files for changes ({@link Duration#ZERO}: on
     *     every call)
     * @throws TlsConfigException if the files cannot be used; the message names the file and the problem
     */
    public PemTlsProvider(Path certFile, Path keyFile, Duration checkInterval) {
        this.certFile = Objects.requireNonNull(certFile, "certFile");
        this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
        if (checkInterval.isNegative()) {
            throw new IllegalArgumentException("checkInterval must not be negative: " + checkInterval);
        }
        this.checkIntervalNanos = checkInterval.toNanos();
        // Look before reading: if a file changes while it is being read, the next check sees the change.
        this.lastAttempted = fileStates();
        this.current = load(certFile, keyFile);
        this.nextCheckNanos = System.nanoTime() + checkIntervalNanos;
    }

    @Override
    public SSLContext context() {
        reloadIfDue();
        return current.context();
    }

    /** The certificate currently served (for expiry warnings). */
    public X509Certificate leafCertificate() {
        reloadIfDue();
        return current.leaf();
    }

    public Path certFile() {
        return certFile;
    }

    public Path keyFile() {
        return keyFile;
    }

    private void reloadIfDue() {
        if (System.nanoTime() - nextCheckNanos < 0) {
            return;
        }
        // Whoever gets the lock does the check; everyone else keeps going with the current context.
        if (!reloadLock.tryLock()) {
            return;
        }
        try {
            nextCheckNanos = System.nanoTime() + checkIntervalNanos;
            FileStates now = fileStates();
            if (now.equals(lastAttempted)) {
                return;
            }
            // Recorded even if the load fails, so one bad renewal logs one line rather than one per
            // connection; it is retried as soon as either file changes again.
            lastAttempted = now;
            try {
                Loaded fresh = load(certFile, keyFile);
                current = fresh;
                log.info("event=tls-reloaded cert={} subject=\"{}\" not-after={}", certFile,
                        quote(fresh.leaf().getSubjectX500Principal().getName()), fresh.leaf().getNotAfter().toInstant());
            } catch (RuntimeException e) {
                log.warn("event=tls-reload-failed cert={} reason=\"{}\"", certFile, quote(PemFiles.describe(e)));
            }
        } finally {
            reloadLock.unlock();
        }
    }

    private FileStates fileStates() {
        return new FileStates(FileState.of(certFile), FileState.of(keyFile));
    }

    private static Loaded load(Path certFile, Path keyFile) {
        List<X509Certificate> chain = PemFiles.readCertificateChain(certFile);
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        requireMatchingKey(key, chain.getFirst(), certFile, keyFile);
        requireOrderedChain(chain, certFile);
        return new Loaded(buildContext(key, chain, certFile), chain.getFirst());
    }

    /**
     * A renewal writes two files, and a reader can catch the new certificate with the old key. JSSE would
     * accept that pair and fail every handshake, so prove the key signs for the leaf's public key first.
     */
    private static void requireMatchingKey(PrivateKey key, X509Certificate leaf, Path certFile, Path keyFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            default -> throw new TlsConfigException(keyFile + ": unsupported key type " + key.getAlgorithm()
                    + " (use an RSA or ECDSA key)");
        };
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // A key of the wrong type for the certificate lands here: also a mismatch.
        }
        throw new TlsConfigException(keyFile + ": private key does not match the first certificate in " + certFile);
    }

    /** Clients expect leaf first, each certificate issued by the next; the KeyStore insists on it too. */
    private static void requireOrderedChain(List<X509Certificate> chain, Path certFile) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!chain.get(i).getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
                throw new TlsConfigException(certFile + ": certificate " + (i + 2) + " (\""
                        + chain.get(i + 1).getSubjectX500Principal().getName() + "\") did not issue certificate "
                        + (i + 1) + "; the file must hold the server certificate first, then its issuers in order");
            }
        }
    }

    private static SSLContext buildContext(PrivateKey key, List<X509Certificate> chain, Path certFile) {
        try {
            X509Certificate[] certificates = chain.toArray(new X509Certificate[0]);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, IN_MEMORY_PASSWORD, certificates);
            // PKIX (not the legacy SunX509) picks the key by the algorithms the client offers.
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
            keyManagers.init(store, IN_MEMORY_PASSWORD);
            X509ExtendedKeyManager pkix = (X509ExtendedKeyManager) keyManagers.getKeyManagers()[0];
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new InMemoryKeyManager(pkix, key, certificates)}, null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsConfigException(certFile + ": cannot build a TLS context (" + PemFiles.describe(e) + ")", e);
        }
    }

    /** Keeps a log value inside its double quotes. */
    private static String quote(String value) {
        return value.replace('"', '\'').replace('\n', ' ').replace('\r', ' ');
    }
}
