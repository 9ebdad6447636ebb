package org.mailwarden.imap;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/** One parsed IMAP command (RFC 3501 6, RFC 9051 6 and the extensions we announce): a record per verb. */
sealed interface ImapCommand {

    record Capability() implements ImapCommand {}

    record Noop() implements ImapCommand {}

    record Logout() implements ImapCommand {}

    record StartTls() implements ImapCommand {}

    record Login(String user, String password) implements ImapCommand {}

    /** {@code initial} is the SASL-IR initial response (RFC 4959), or null. */
    record Authenticate(String mechanism, String initial) implements ImapCommand {}

    /**
     * {@code condstore}: the (CONDSTORE) select parameter (RFC 7162 3.1.8); {@code qresync}: the QRESYNC one
     * (3.2.5), or null.
     */
    record Select(String mailbox, boolean readOnly, boolean condstore, Qresync qresync) implements ImapCommand {}

    /** What a QRESYNC client knew of a mailbox: its UIDVALIDITY, HIGHESTMODSEQ and UIDs (null: all of them). */
    record Qresync(long uidValidity, long modseq, SequenceSet knownUids) {}

    record Create(String mailbox) implements ImapCommand {}

    record Delete(String mailbox) implements ImapCommand {}

    record Rename(String from, String to) implements ImapCommand {}

    record Subscribe(String mailbox, boolean subscribe) implements ImapCommand {}

    /**
     * LIST / LSUB, with RFC 5258 selection options (SUBSCRIBED, SPECIAL-USE) and return options
     * (SUBSCRIBED, CHILDREN, SPECIAL-USE).
     */
    record ListMailboxes(String reference, List<String> patterns, boolean lsub, boolean subscribedOnly,
            boolean specialUseOnly, boolean returnSubscribed, boolean returnSpecialUse) implements ImapCommand {}

    record Status(String mailbox, List<String> items) implements ImapCommand {}

    /**
     * {@code size}: the octets of the message, as its literal announces them; the session reads them itself, as they
     * arrive (see {@link ImapInput.Read.Message}).
     */
    record Append(String mailbox, List<String> flags, Instant date, long size) implements ImapCommand {}

    record Check() implements ImapCommand {}

    record Close() implements ImapCommand {}

    record Unselect() implements ImapCommand {}

    /** {@code uids} is null for EXPUNGE, the set for UID EXPUNGE (RFC 4315). */
    record Expunge(SequenceSet uids) implements ImapCommand {}

    /**
     * {@code returns}: the ESEARCH result options (RFC 4731 3.1) after RETURN, ALL for an empty list; empty for a
     * plain SEARCH, answered with an untagged SEARCH response.
     */
    record Search(boolean uid, SearchKey key, Set<Return> returns) implements ImapCommand {

        enum Return { MIN, MAX, COUNT, ALL }
    }

    /**
     * {@code changedSince}: the CHANGEDSINCE modifier (RFC 7162 3.1.4), -1 without; {@code vanished}: the
     * VANISHED modifier of UID FETCH (3.2.6).
     */
    record Fetch(boolean uid, SequenceSet set, List<FetchItem> items, long changedSince, boolean vanished)
            implements ImapCommand {}

    enum StoreMode { REPLACE, ADD, REMOVE }

    /** {@code unchangedSince}: the UNCHANGEDSINCE modifier (RFC 7162 3.1.3), -1 without. */
    record Store(boolean uid, SequenceSet set, StoreMode mode, boolean silent, List<String> flags,
            long unchangedSince) implements ImapCommand {}

    /** COPY, or MOVE (RFC 6851) when {@code move}. */
    record Copy(boolean uid, SequenceSet set, String mailbox, boolean move) implements ImapCommand {}

    record Idle() implements ImapCommand {}

    /** RFC 9208 GETQUOTAROOT. */
    record GetQuotaRoot(String mailbox) implements ImapCommand {}

    /** RFC 9208 GETQUOTA. */
    record GetQuota(String root) implements ImapCommand {}

    /** RFC 9208 SETQUOTA: parsed to be refused (limits are the administrator's). */
    record SetQuota(String root) implements ImapCommand {}

    record Namespace() implements ImapCommand {}

    record Enable(List<String> capabilities) implements ImapCommand {}

    /** RFC 2971: the client's identification (logged, not trusted). */
    record Id(List<String> fields) implements ImapCommand {}

    /** A command we could not parse: the client gets BAD with this text. */
    record Invalid(String message) implements ImapCommand {}

    /** A well-formed command we refuse (NO) for the reason given, e.g. an unknown SEARCH charset. */
    record Refused(String message) implements ImapCommand {}

    /** A command name we do not know. */
    record Unknown(String name) implements ImapCommand {}

    /** A tagged command as read from the wire. */
    record Tagged(String tag, ImapCommand command) {}
}
