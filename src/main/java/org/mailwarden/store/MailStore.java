package org.mailwarden.store;

import java.io.IOException;
import java.util.List;

/**
 * Where delivered mail lives. The embedded backend is {@link MaildirStore} (Dovecot-compatible Maildir);
 * other backends (blob store + database) implement the same interface without touching protocol code.
 */
public interface MailStore {

    /**
     * Starts a message for the given accounts (login addresses, user@domain). The caller streams the
     * message in its canonical network form (CRLF line ends, no dot-stuffing) and then commits.
     *
     * @param returnPath envelope sender without angle brackets ("" for the null sender); written as Return-Path
     */
    IncomingMessage begin(String returnPath, List<String> accounts) throws IOException;
}
