package org.mailwarden.store;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage quotas, asked by every protocol that adds mail: SMTP at RCPT, IMAP at APPEND and COPY, and IMAP's QUOTA
 * commands. One quota root per account ({@value #ROOT}, Dovecot's usual name) over all its folders.
 *
 * <p>Usage is what the store says the account's mailboxes hold ({@link StorageUse}; Maildir: {@link MaildirUsage}).
 *
 * <p>Thread-safe.
 */
public final class QuotaService {

    private static final Logger LOG = LoggerFactory.getLogger(QuotaService.class);

    /** The quota root name IMAP clients see. */
    public static final String ROOT = "User quota";

    /** Where limits come from: bytes per account, 0 for unlimited. */
    @FunctionalInterface
    public interface Limits {
        long storageLimit(String account);
    }

    /** An account's usage: bytes and messages in all folders, and its limit in bytes (0: unlimited). */
    public record Usage(long bytes, long messages, long limit) {

        public boolean limited() {
            return limit > 0;
        }

        /** Whether {@code more} bytes still fit. */
        public boolean allows(long more) {
            return limit <= 0 || bytes + more <= limit;
        }

        /** At or over the limit: nothing more fits. */
        public boolean full() {
            return limit > 0 && bytes >= limit;
        }
    }

    private final StorageUse use;
    private final Limits limits;

    /** Quotas over what the store's mailboxes hold. */
    public QuotaService(MailStore store, Limits limits) {
        this(store.storageUse(), limits);
    }

    public QuotaService(StorageUse use, Limits limits) {
        this.use = use;
        this.limits = limits;
    }

    public long limit(String account) {
        return limits.storageLimit(account);
    }

    /** The account's usage now (its limit included). */
    public Usage usage(String account) throws IOException {
        StorageUse.Totals t = use.of(account);
        return new Usage(t.bytes(), t.messages(), limits.storageLimit(account));
    }

    /**
     * For delivery: is the account at or over its limit? An error reading the mailbox answers false (mail is not
     * refused for a quota we cannot compute; it is logged).
     */
    public boolean isFull(String account) {
        if (limits.storageLimit(account) <= 0) {
            return false;
        }
        try {
            return usage(account).full();
        } catch (IOException | RuntimeException e) {
            LOG.warn("event=quota-error account={} error=\"{}\"", account, e.toString());
            return false;
        }
    }

    /** Whether {@code more} bytes fit into the account (always true without a limit; no listing then). */
    public boolean allows(String account, long more) throws IOException {
        if (limits.storageLimit(account) <= 0) {
            return true;
        }
        return usage(account).allows(more);
    }
}
