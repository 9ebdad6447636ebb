package org.mailwarden.store;

import java.io.IOException;

/** CREATE or RENAME to a name that is taken. */
public final class MailboxExistsException extends IOException {

    public MailboxExistsException() {
        super("Mailbox already exists");
    }
}
