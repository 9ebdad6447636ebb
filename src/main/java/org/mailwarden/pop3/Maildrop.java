package org.mailwarden.pop3;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.mailwarden.store.FlagChange;
import org.mailwarden.store.Mailbox;
import org.mailwarden.store.Mailboxes;
import org.mailwarden.store.MessageFlags;
import org.mailwarden.store.MessageInfo;
import org.mailwarden.store.SystemFlag;

/**
 * The maildrop of one POP3 session (RFC 1939 4-6): the account's INBOX as it was at login, numbered 1..n, through
 * the store's shared index of the folder (so UIDs are its IMAP UIDs, and IMAP sessions see what happens here).
 * Deletions are only marks until {@link #update()} (QUIT in the TRANSACTION state); closing without it changes
 * nothing. The per-account lock is the server's ({@link Pop3Server#lock}).
 */
final class Maildrop implements AutoCloseable {

    private final Mailboxes folders;
    private final Mailbox folder;
    /** By message number - 1: the UIDs and the sizes of the messages at login. */
    private final long[] uids;
    private final long[] sizes;
    private static final HexFormat HEX = HexFormat.of();
    /** The UIDVALIDITY part of every UIDL. */
    private final String validityHex;
    private final BitSet deleted = new BitSet();
    /** RETRieved: marked \Seen at the update, as Dovecot does (pop3_no_flag_updates = no). */
    private final BitSet retrieved = new BitSet();

    private Maildrop(Mailboxes folders, Mailbox folder, long[] uids, long[] sizes) {
        this.folders = folders;
        this.folder = folder;
        this.uids = uids;
        this.sizes = sizes;
        this.validityHex = HEX.toHexDigits((int) folder.uidValidity());
    }

    /**
     * Opens the INBOX (which must exist): picks up new deliveries, takes them out of new/ and takes the
     * messages' \Recent as Dovecot's POP3 does (pop3_no_flag_updates = no), and fixes the message list and sizes
     * (CRLF form, RFC 1939 LIST) for the session.
     */
    static Maildrop open(Mailboxes folders) throws IOException {
        Mailbox folder = folders.acquire(Mailboxes.INBOX);
        try {
            folder.refresh();
            folder.takeNew();
            folder.claimRecent(true); // a POP3 client has seen them: no longer \Recent for IMAP, as with Dovecot
            List<? extends MessageInfo> all = folder.messages();
            long[] uids = new long[all.size()];
            long[] sizes = new long[all.size()];
            for (int i = 0; i < sizes.length; i++) {
                uids[i] = all.get(i).uid();
                sizes[i] = folder.virtualSize(all.get(i));
            }
            return new Maildrop(folders, folder, uids, sizes);
        } catch (IOException | RuntimeException e) {
            folders.release(folder);
            throw e;
        }
    }

    /** Messages at login, deleted ones included: the highest message number. */
    int count() {
        return uids.length;
    }

    /** Whether {@code n} names a message that is not marked deleted. */
    boolean exists(int n) {
        return n >= 1 && n <= uids.length && !deleted.get(n - 1);
    }

    boolean isDeleted(int n) {
        return n >= 1 && n <= uids.length && deleted.get(n - 1);
    }

    /** Messages not marked deleted. */
    int live() {
        return uids.length - deleted.cardinality();
    }

    /** Their total size in octets. */
    long liveSize() {
        long total = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (!deleted.get(i)) {
                total += sizes[i];
            }
        }
        return total;
    }

    long size(int n) {
        return sizes[n - 1];
    }

    /**
     * The unique-id listing of message {@code n}: Dovecot's default {@code pop3_uidl_format = %08Xu%08Xv}, the UID
     * and the UIDVALIDITY as 8 hex digits each (lower case, as Dovecot's %X prints them), so that a client that
     * moves over from docker-mailserver does not fetch everything again.
     */
    String uidl(int n) {
        return HEX.toHexDigits((int) uids[n - 1]) + validityHex; // both 32-bit (RFC 3501 2.3.1.1)
    }

    /** The message's file for streaming (the caller closes it); empty if another session expunged it. */
    Optional<InputStream> open(int n, boolean retrieve) throws IOException {
        Optional<InputStream> in = folder.open(uids[n - 1]);
        if (in.isPresent() && retrieve) {
            retrieved.set(n - 1);
        }
        return in;
    }

    void delete(int n) {
        deleted.set(n - 1);
    }

    /** RSET: unmarks every message. */
    void reset() {
        deleted.clear();
    }

    /**
     * The UPDATE state (RFC 1939 6): marks the retrieved messages \Seen and expunges the deleted ones through the
     * shared index, so IMAP sessions see them go. Returns how many were removed.
     */
    int update() throws IOException {
        for (int i = retrieved.nextSetBit(0); i >= 0; i = retrieved.nextSetBit(i + 1)) {
            if (!deleted.get(i)) {
                folder.changeFlags(uids[i], SET_SEEN, -1);
            }
        }
        if (deleted.isEmpty()) {
            return 0;
        }
        List<Long> expunge = new ArrayList<>(deleted.cardinality());
        for (int i = deleted.nextSetBit(0); i >= 0; i = deleted.nextSetBit(i + 1)) {
            expunge.add(uids[i]);
        }
        return folder.expunge(expunge).size();
    }

    private static final FlagChange SET_SEEN = new FlagChange.Add(MessageFlags.of(SystemFlag.SEEN));

    @Override
    public void close() {
        folders.release(folder);
    }
}
