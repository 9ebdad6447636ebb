package org.mailwarden.fuzz;

import java.util.function.Supplier;

/** A fuzz target's own property check: a failure is a finding like any exception the parser lets out. */
final class Check {

    private Check() {}

    static void that(boolean ok, Supplier<String> what) {
        if (!ok) {
            throw new AssertionError(what.get());
        }
    }
}
