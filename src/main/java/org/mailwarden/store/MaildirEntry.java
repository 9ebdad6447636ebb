package org.mailwarden.store;

import java.nio.file.Path;

/**
 * A message file in a Maildir folder.
 *
 * @param path  the file, in new/ or cur/
 * @param isNew whether it is in new/ (not yet seen by any IMAP session: "\Recent" in IMAP4rev1)
 * @param name  its parsed name
 */
public record MaildirEntry(Path path, boolean isNew, MaildirFileName name) {
}
