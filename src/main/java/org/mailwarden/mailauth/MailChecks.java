package org.mailwarden.mailauth;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.mailwarden.delivery.MessageView;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.iprev.IprevOutcome;
import org.mailwarden.mailauth.spf.SpfOutcome;

/**
 * The checks {@link MailAuthStep} runs on a received message, each over the shared DNS resolver: SPF for the MAIL
 * FROM and HELO identities, DKIM and ARC verification, and iprev. One implementation binds the verifiers of the
 * mailauth packages; tests may give their own.
 */
public interface MailChecks {

    /** The checks for one message (bound to its own DNS budget); this one when it keeps no per-message state. */
    default MailChecks forMessage() {
        return this;
    }

    /** TXT lookups for DMARC records, within the message's budget; null: the DMARC verifier's own. */
    default TxtLookup txt() {
        return null;
    }

    /** RFC 7208 with the MAIL FROM identity ({@code postmaster@helo} for the null sender). */
    SpfOutcome spfMailFrom(InetAddress client, String helo, String sender);

    /** RFC 7208 with the HELO identity; null when the HELO name is no domain (an address literal, say). */
    SpfOutcome spfHelo(InetAddress client, String helo);

    /** Every DKIM signature's outcome; empty when the message has none. */
    List<DkimOutcome> dkim(MessageView message) throws IOException;

    ArcOutcome arc(MessageView message) throws IOException;

    /** Forward-confirmed reverse DNS (RFC 8601 3). */
    IprevOutcome iprev(InetAddress client);
}
