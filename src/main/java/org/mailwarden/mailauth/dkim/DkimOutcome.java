package org.mailwarden.mailauth.dkim;

/**
 * The verification of one DKIM-Signature field: its result, the signing domain ({@code d=}, what DMARC aligns with;
 * null when the field is too broken to name one), selector ({@code s=}), agent or user identifier ({@code i=}),
 * algorithm ({@code a=}), the start of {@code b=} (RFC 6008 header.b, to tell signatures apart), whether the body
 * hash covered only part of the body ({@code l=} shorter than the body: content past it is not covered), and why it
 * did not pass (null on pass, except a note when the key is in testing mode, t=y: RFC 6376 3.6.1 says mail from a
 * signer in testing mode must not be treated differently from unsigned mail; the result is still what it is).
 */
public record DkimOutcome(DkimResult result, String domain, String selector, String identity, String algorithm,
        String headerB, boolean bodyPartlyCovered, String reason) {}
