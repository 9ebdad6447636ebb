package org.mailwarden.store;

/**
 * The system flags a stored message can carry (RFC 3501 2.3.2, without \Recent, which is a session's view and not
 * stored). Declared in the order protocols list them: the order of their Maildir letters (D, F, R, S, T), as Dovecot
 * lists them.
 */
public enum SystemFlag {
    DRAFT, FLAGGED, ANSWERED, SEEN, DELETED
}
