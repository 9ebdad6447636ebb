package org.mailwarden.store;

/** A change of a message's flags (IMAP STORE FLAGS, +FLAGS, -FLAGS; RFC 3501 6.4.6). */
public sealed interface FlagChange {

    /** The flags after the change, from those before it. */
    MessageFlags applyTo(MessageFlags current);

    record Replace(MessageFlags flags) implements FlagChange {
        @Override
        public MessageFlags applyTo(MessageFlags current) {
            return flags;
        }
    }

    record Add(MessageFlags flags) implements FlagChange {
        @Override
        public MessageFlags applyTo(MessageFlags current) {
            return current.plus(flags);
        }
    }

    record Remove(MessageFlags flags) implements FlagChange {
        @Override
        public MessageFlags applyTo(MessageFlags current) {
            return current.minus(flags);
        }
    }
}
