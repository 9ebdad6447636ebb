package org.mailwarden.delivery;

import java.util.Objects;
import org.mailwarden.smtp.Reply;

/**
 * A step's decision for one recipient. Only the pipeline acts on it: it writes the files, queues what is deferred
 * or refused, and makes the reply.
 */
public sealed interface Verdict {

    /** Deliver a copy to this target. */
    record Deliver(Target target) implements Verdict {
        public Deliver {
            Objects.requireNonNull(target, "target");
        }
    }

    /** Refuse permanently: the SMTP client gets this reply, or the sender a bounce naming it. */
    record Refuse(Reply reply) implements Verdict {
        public Refuse {
            if (reply.code() < 500 || reply.code() > 599) {
                throw new IllegalArgumentException("a refusal is a 5xx reply: " + reply);
            }
        }
    }

    /** Not now: the SMTP client gets this reply and retries, or the queue retries the recipient later. */
    record Defer(Reply reply) implements Verdict {
        public Defer {
            if (reply.code() < 400 || reply.code() > 499) {
                throw new IllegalArgumentException("a deferral is a 4xx reply: " + reply);
            }
        }
    }

    Deliver INBOX = new Deliver(Target.INBOX);
}
