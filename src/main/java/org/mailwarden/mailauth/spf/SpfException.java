package org.mailwarden.mailauth.spf;

/** Ends an SPF evaluation with permerror or temperror (internal: never leaves {@link SpfVerifier}). */
final class SpfException extends Exception {

    private final SpfResult result;

    private SpfException(SpfResult result, String problem) {
        super(problem, null, false, false);
        this.result = result;
    }

    static SpfException perm(String problem) {
        return new SpfException(SpfResult.PERMERROR, problem);
    }

    static SpfException temp(String problem) {
        return new SpfException(SpfResult.TEMPERROR, problem);
    }

    SpfResult result() {
        return result;
    }
}
