package org.mailwarden.store;

/** One message as a mailbox's index knows it, without reading the message. Immutable: a snapshot. */
public interface MessageInfo {

    long uid();

    /** The mod-sequence of its last change (RFC 7162). */
    long modseq();

    MessageFlags flags();

    /** Its size in network form (CRLF line ends; RFC822.SIZE) if the index knows it, else -1. */
    long vsize();

    /** The octets it takes as stored, if the index knows it (Maildir: S=), else -1. */
    long storedSize();
}
