package org.mailwarden.delivery;

import java.io.IOException;

/**
 * One check of a received message before it is delivered: recipient policy, restrictions, quotas, and later SPF,
 * DKIM and DMARC results, a spam or virus scanner, Sieve. Steps are registered in order in one list where the server
 * is assembled ({@code server.MailServer}); each sees the message once it is spooled, after the earlier steps, with
 * the recipients they left in play, and returns a {@link Judgement}. A step never writes files and never replies:
 * the pipeline does both from the verdicts.
 *
 * <p>Steps run on the session's thread (or the queue's), for every path that puts mail in a mailbox: SMTP on port 25,
 * submission to local recipients, and the queue's local deliveries (retries, bounces, forwards to local addresses).
 * A step that throws IOException defers the message (4xx for SMTP, a retry for the queue).
 */
public interface DeliveryStep {

    /** A short name for the log ({@code step=}). */
    String name();

    Judgement judge(MessageView message, Envelope envelope) throws IOException;
}
