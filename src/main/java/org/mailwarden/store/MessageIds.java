package org.mailwarden.store;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Short ids for committed messages, for replies ("250 2.0.0 Ok: queued as ...") and logs. 13 characters of
 * lower-case Crockford base32 over 64 bits: 44 bits of epoch milliseconds (sortable by time, like Postfix
 * queue ids) and a 20-bit sequence that starts at a random value so ids do not repeat across restarts.
 */
final class MessageIds {

    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final AtomicLong SEQUENCE = new AtomicLong(new SecureRandom().nextLong());

    private MessageIds() {
    }

    static String next() {
        long value = (System.currentTimeMillis() << 20) | (SEQUENCE.getAndIncrement() & 0xFFFFF);
        char[] out = new char[13];
        for (int i = out.length - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
        return new String(out);
    }
}
