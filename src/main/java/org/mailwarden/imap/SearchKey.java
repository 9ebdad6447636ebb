package org.mailwarden.imap;

import java.time.LocalDate;
import java.util.List;

/** A SEARCH criterion (RFC 3501 6.4.4), as a tree. */
sealed interface SearchKey {

    record All() implements SearchKey {}

    /** A system flag letter (S, F, T, R, D) or keyword being set, or not. */
    record Flag(String flag, boolean set) implements SearchKey {}

    record Recent(boolean set) implements SearchKey {}

    /** NEW = RECENT UNSEEN. */
    record New() implements SearchKey {}

    record Sequence(SequenceSet set) implements SearchKey {}

    record Uids(SequenceSet set) implements SearchKey {}

    /** A header field (FROM, TO, CC, BCC, SUBJECT, HEADER name) containing {@code value}; "" matches presence. */
    record Header(String field, String value) implements SearchKey {}

    /**
     * FROM, TO, CC or BCC containing {@code value}: in the field as written or in one of its addresses as the RFC 5322
     * parser reads them ({@code name <local@domain>}, comments left out); "" matches presence.
     */
    record Address(String field, String value) implements SearchKey {}

    /** BODY (text only) or TEXT (header and body). */
    record Text(String value, boolean includeHeader) implements SearchKey {}

    enum DateOp { BEFORE, ON, SINCE }

    /** SINCE/BEFORE/ON on INTERNALDATE, or SENT* on the Date header ({@code sent}). */
    record Date(DateOp op, LocalDate date, boolean sent) implements SearchKey {}

    record Size(boolean larger, long octets) implements SearchKey {}

    /** MODSEQ n (RFC 7162 3.1.5): the message's mod-sequence is at least n. */
    record Modseq(long atLeast) implements SearchKey {}

    record Not(SearchKey key) implements SearchKey {}

    record Or(SearchKey a, SearchKey b) implements SearchKey {}

    record And(List<SearchKey> keys) implements SearchKey {}
}
