package org.mailwarden.store;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The mailboxes of one account, as protocol code sees them: names with '.' as the hierarchy delimiter, "INBOX"
 * always there, subscriptions, the special-use folders, and the one shared {@link Mailbox} per open folder. The
 * embedded backend is Maildir++ ({@link MaildirMailboxes}). Names are used as given (IMAP's modified UTF-7).
 */
public interface Mailboxes {

    char DELIMITER = '.';
    String INBOX = "INBOX";

    /** Creates INBOX if it is missing (a first delivery or login). */
    void ensureInbox() throws IOException;

    /**
     * At the first login (of any protocol that shows folders): INBOX and the special-use folders, all subscribed;
     * later calls change nothing, also when the user deleted some of them.
     */
    void ensureDefaults() throws IOException;

    /** Whether the mailbox exists. @throws IllegalArgumentException if the name is not valid ({@link #validate}) */
    boolean exists(String name);

    /** Every mailbox: INBOX first, then the others sorted. */
    List<String> names() throws IOException;

    /** @throws MailboxExistsException if it exists */
    void create(String name) throws IOException;

    /**
     * Removes a mailbox and its messages (its sub-mailboxes stay) and its subscription; sessions that hold it keep
     * their index but nothing is written any more. @throws java.nio.file.NoSuchFileException if there is none
     */
    void delete(String name) throws IOException;

    /**
     * Renames a mailbox with its sub-mailboxes and subscriptions. @throws MailboxExistsException if {@code to} exists
     * @throws java.nio.file.NoSuchFileException if {@code from} does not
     */
    void rename(String from, String to) throws IOException;

    /**
     * RENAME INBOX (RFC 3501 6.3.5): a new mailbox {@code to} gets INBOX's messages and INBOX stays, empty; its
     * sub-mailboxes are not renamed. Sessions with INBOX open see the messages expunged.
     * @throws MailboxExistsException if {@code to} exists
     */
    void renameInbox(String to) throws IOException;

    List<String> subscriptions() throws IOException;

    void subscribe(String name, boolean on) throws IOException;

    /** The special use of a mailbox of this name, if it has one. */
    Optional<SpecialUse> specialUse(String name);

    /** The shared index of an existing mailbox; pair with {@link #release}. */
    Mailbox acquire(String name) throws IOException;

    void release(Mailbox mailbox);

    /**
     * Checks a mailbox name: no empty hierarchy level, no leading or trailing delimiter, no '/', no wildcard, no
     * control character or backslash, at most 255 characters.
     * @throws IllegalArgumentException if it is not valid
     */
    static void validate(String name) {
        if (name.isEmpty() || name.charAt(0) == DELIMITER || name.charAt(name.length() - 1) == DELIMITER
                || name.contains("..") || name.indexOf('/') >= 0 || name.indexOf('*') >= 0 || name.indexOf('%') >= 0
                || name.length() > 255) {
            throw new IllegalArgumentException("Invalid mailbox name: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("Invalid character in mailbox name");
            }
        }
    }
}
