package org.mailwarden.cli;

/** Exit codes scripts can rely on (sysexits.h where one fits). */
final class ExitCodes {
    /** Done. */
    static final int OK = 0;
    /** The operation was refused or failed: duplicate, not found, I/O error; or a critical config finding. */
    static final int FAILED = 1;
    /** Usage error: unknown option, missing or invalid argument (picocli's default). */
    static final int USAGE = 2;
    /** Configuration error (EX_CONFIG): mailwarden.conf or an environment variable is invalid. */
    static final int CONFIG = 78;

    private ExitCodes() {}
}
