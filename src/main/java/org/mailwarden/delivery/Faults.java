package org.mailwarden.delivery;

import java.io.IOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection at the points of the commit rule where a crash or an I/O error must neither lose nor duplicate
 * mail. Off unless a test turns it on: in process with {@link DeliveryPipeline#faults}, or in a server JVM with the
 * system property {@code mailwarden.test.fault=POINT:ACTION}, where ACTION is {@code fail} (an IOException) or
 * {@code park} (log {@code event=fault-parked point=...} and wait forever, for the test's kill -9).
 */
@FunctionalInterface
public interface Faults {

    /** Where in a commit with several destinations. */
    enum Point {
        /** The queue entry, the commit record, is being written. */
        RECORD,
        /** The record is durable; no mailbox has the message yet. */
        AFTER_RECORD,
        /** One local copy is being linked (each time). */
        MAILBOX,
        /** The first local copy is linked (not yet fsynced). */
        AFTER_FIRST_MAILBOX,
        /** Every local copy is durable; the record does not say so yet. */
        AFTER_MAILBOXES,
        /** The record is being marked done (deleted, or its state saved). */
        DONE
    }

    void at(Point point) throws IOException;

    Faults NONE = point -> { };

    /** From the system property, else {@link #NONE}. */
    static Faults fromSystemProperty() {
        String spec = System.getProperty("mailwarden.test.fault");
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        String[] f = spec.split(":", 2);
        Point where = Point.valueOf(f[0].strip().toUpperCase(Locale.ROOT));
        boolean park = f.length > 1 && f[1].strip().equalsIgnoreCase("park");
        Logger log = LoggerFactory.getLogger(Faults.class);
        log.warn("event=fault-injection point={} action={}", where, park ? "park" : "fail");
        return point -> {
            if (point != where) {
                return;
            }
            if (!park) {
                throw new IOException("injected fault at " + point);
            }
            log.warn("event=fault-parked point={}", point);
            while (true) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    // parked until killed
                }
            }
        };
    }
}
