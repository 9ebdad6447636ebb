package org.mailwarden.imap;

import java.io.IOException;
import org.mailwarden.store.Mailboxes;

/**
 * What a command family ({@link MailboxCommands}, {@link MessageCommands}) sees of its {@link ImapSession}: the
 * output, the session's state and the changes to it that the commands make.
 */
interface SessionContext {

    /** The logged-in address. */
    String login();

    Mailboxes account();

    /** The selected folder, or null. */
    SelectedMailbox selected();

    /** CONDSTORE enabled (RFC 7162 3.1). */
    boolean condstore();

    /** QRESYNC enabled (RFC 7162 3.2.3). */
    boolean qresync();

    void write(byte[] b);

    void write(byte[] b, int off, int len);

    void untagged(String text);

    void tagged(String tag, String text);

    /** Tagged OK, after telling the client what changed in its selected folder meanwhile. */
    void ok(String tag, String text) throws IOException;

    void okCode(String tag, String code, String text, boolean expunges) throws IOException;

    /** BAD, counted; too many end the session. */
    void bad(String tag, String text, String reason);

    /** Tells the client what changed in its selected folder, if any; expunged messages only if {@code expunges}. */
    void syncSelected(boolean expunges) throws IOException;

    void enableCondstore();

    /** Closes the selected folder, if any, without telling the client. */
    void deselect();
}
