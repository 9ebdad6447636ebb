package org.mailwarden.store;

import java.io.IOException;
import java.util.List;

/**
 * Where mail lives: the entry point of the store's faces ({@link Mailboxes}, {@link Mailbox}, {@link NewMessage})
 * that protocol code uses. The embedded backend is {@link MaildirStore} (Dovecot-compatible Maildir); other backends
 * (blob store + database) implement the same interfaces without touching protocol code.
 */
public interface MailStore {

    /**
     * The mailboxes of an account (login address, user@domain); creates nothing.
     * @throws IllegalArgumentException if the address is not one the store can hold
     */
    Mailboxes mailboxes(String account);

    /** What the accounts' mailboxes hold as stored (for quotas). */
    StorageUse storageUse();

    /**
     * Starts a message for the given accounts (login addresses, user@domain). The caller streams the
     * message in its canonical network form (CRLF line ends, no dot-stuffing) and then commits.
     *
     * @param returnPath envelope sender without angle brackets ("" for the null sender); written as Return-Path
     */
    IncomingMessage begin(String returnPath, List<String> accounts) throws IOException;
}
