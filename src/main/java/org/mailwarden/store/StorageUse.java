package org.mailwarden.store;

import java.io.IOException;

/** What an account's mailboxes hold as stored, over all of them: the measure quotas count (see {@link QuotaService}). */
@FunctionalInterface
public interface StorageUse {

    record Totals(long bytes, long messages) {}

    /** The account's totals now. */
    Totals of(String account) throws IOException;
}
