package org.mailwarden.imap;

import java.util.List;

/** One FETCH data item (RFC 3501 6.4.5). */
sealed interface FetchItem {

    record Flags() implements FetchItem {}

    record Uid() implements FetchItem {}

    record InternalDate() implements FetchItem {}

    record Size() implements FetchItem {}

    /** MODSEQ (RFC 7162 3.1.4.1). */
    record Modseq() implements FetchItem {}

    record Envelope() implements FetchItem {}

    /** BODY (non-extensible) or BODYSTRUCTURE ({@code extensible}). */
    record Structure(boolean extensible) implements FetchItem {}

    /**
     * BODY[section]&lt;partial&gt;, BODY.PEEK[...] and the RFC822 forms.
     *
     * @param label  how the response names it, e.g. "RFC822.HEADER" or "BODY[HEADER.FIELDS (FROM)]"
     * @param peek   leaves \Seen alone
     * @param part   the part number path (empty for the whole message)
     * @param text   "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT" or "MIME"
     * @param fields header names for HEADER.FIELDS (NOT)
     * @param offset partial origin, -1 for none
     * @param length partial length
     */
    record Section(String label, boolean peek, int[] part, String text, List<String> fields, long offset,
            long length) implements FetchItem {}
}
