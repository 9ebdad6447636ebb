package org.mailwarden.store;

/** The special uses of mailboxes (RFC 6154) an account gets by default, each with its folder's name. */
public enum SpecialUse {
    DRAFTS("Drafts"), SENT("Sent"), JUNK("Junk"), TRASH("Trash"), ARCHIVE("Archive");

    private final String defaultName;

    SpecialUse(String defaultName) {
        this.defaultName = defaultName;
    }

    /** The name of the folder created for it at an account's first login. */
    public String defaultName() {
        return defaultName;
    }
}
