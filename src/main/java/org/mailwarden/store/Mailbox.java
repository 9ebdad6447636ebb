package org.mailwarden.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * One mailbox (folder) of an account, as protocol code sees it: the shared index of the folder that every session
 * of this process uses (see {@link Mailboxes#acquire}), with UIDs, UIDVALIDITY, mod-sequences (RFC 7162) and typed
 * flags, and its messages' octets as streams. The embedded backend is Maildir ({@link MaildirFolder}); another
 * backend implements this face.
 *
 * <p>Thread-safe. Every change (new mail, flags, expunge) bumps {@link #version()} and runs the {@link #watch}
 * callbacks; changes made outside this process are taken in by {@link #refresh()}.
 */
public interface Mailbox {

    long uidValidity();

    /** The UID the next message will get (UIDNEXT). */
    long nextUid();

    long highestModseq();

    /** Bumped by every change. */
    long version();

    /** Takes in changes made outside this process (other programs, deliveries); whether anything changed. */
    boolean refresh() throws IOException;

    /** A read-write session takes the messages delivered since: they are no longer new (Maildir: new/ to cur/). */
    void takeNew() throws IOException;

    /**
     * UIDs at or above the returned one are "recent" for the caller, which now owns them (IMAP4rev1 \Recent: one
     * session sees a message as recent); they are no longer new. {@code claim = false} (read-only: EXAMINE) claims
     * nothing and sees the messages no session has claimed yet as recent.
     */
    long claimRecent(boolean claim) throws IOException;

    /** Messages no session has claimed yet (STATUS RECENT). */
    int recentCount();

    /** A snapshot of the index, by UID ascending. */
    List<? extends MessageInfo> messages();

    int size();

    Optional<? extends MessageInfo> byUid(long uid);

    /** The keywords defined in this mailbox (FLAGS, PERMANENTFLAGS). */
    List<String> keywords();

    /**
     * Changes a message's flags, unless its mod-sequence is above {@code unchangedSince} (-1: unconditionally), in
     * one step under the mailbox's lock. A keyword the backend cannot store any more (Maildir: 26) is left out.
     */
    FlagResult changeFlags(long uid, FlagChange change, long unchangedSince) throws IOException;

    /** Removes the messages; returns the UIDs removed. */
    List<Long> expunge(Collection<Long> uids) throws IOException;

    /** Starts adding a message (APPEND). */
    NewMessage newMessage() throws IOException;

    /**
     * Copies a message into {@code target} (a mailbox of the same backend), keeping its flags; its new UID there,
     * or empty if the message is gone.
     */
    Optional<Long> copyTo(long uid, Mailbox target) throws IOException;

    /** Expunged UIDs after mod-sequence {@code since}, ascending; empty if the record does not reach back so far. */
    Optional<long[]> expungedSince(long since);

    /**
     * The message's octets as stored, as a stream the caller closes; empty if it is gone. Line ends are LF or CRLF
     * (Maildir: LF): readers convert to network form.
     */
    Optional<InputStream> open(long uid) throws IOException;

    /** The message's octets as {@link #open} gives them, for reading at any position; the caller closes it. */
    Optional<SeekableByteChannel> openChannel(long uid) throws IOException;

    /** The message's header as stored (up to and including its blank line), decoded as UTF-8; empty if gone. */
    Optional<String> header(long uid) throws IOException;

    /**
     * SEARCH by header field over many messages (a snapshot of {@link #messages()}): the UIDs, ascending, whose
     * {@code field} contains {@code value} case-insensitively; empty when the caller must look at the messages
     * itself ({@code build} false: do not read every message to answer).
     */
    Optional<long[]> headerMatches(String field, String value, List<? extends MessageInfo> messages, boolean build)
            throws IOException;

    /** INTERNALDATE of a message of this mailbox. */
    Instant receivedDate(MessageInfo m);

    /** RFC822.SIZE of a message of this mailbox: {@link MessageInfo#vsize()}, else counted once and remembered. */
    long virtualSize(MessageInfo m) throws IOException;

    /** The octets a message of this mailbox takes as stored (for quota). */
    long storedSize(MessageInfo m);

    /**
     * Calls {@code onChange} after every change of the mailbox and every delivery into it, until the returned handle
     * is closed; then call {@link #refresh()}. It runs on the changing thread with the mailbox locked: it must hand
     * the work off, never block.
     */
    Watch watch(Runnable onChange);

    /** A registration made by {@link #watch}. */
    @FunctionalInterface
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }
}
