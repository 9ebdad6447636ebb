package org.mailwarden.delivery;

/**
 * One local mailbox a message is delivered to: the account (login address) and the envelope address that led to it
 * (as given in RCPT TO or queued; an alias, a sub-address, or the account itself). One copy per account: when two
 * envelope addresses reach the same account, the first one's is the recipient.
 */
public record Recipient(String address, String account) {}
