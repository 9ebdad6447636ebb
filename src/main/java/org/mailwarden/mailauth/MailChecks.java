package org.mailwarden.mailauth;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import org.mailwarden.delivery.MessageView;
import org.mailwarden.mailauth.arc.ArcOutcome;
import org.mailwarden.mailauth.dkim.DkimOutcome;
import org.mailwarden.mailauth.spf.SpfOutcome;

/**
 * The checks {@link MailAuthStep} runs on a received message, each over the shared DNS resolver: SPF for the MAIL
 * FROM and HELO identities, DKIM and ARC verification, and iprev. One implementation binds the verifiers of the
 * mailauth packages; tests may give their own.
 */
public interface MailChecks {

    /** RFC 7208 with the MAIL FROM identity ({@code postmaster@helo} for the null sender). */
    SpfOutcome spfMailFrom(InetAddress client, String helo, String sender);

    /** RFC 7208 with the HELO identity; null when the HELO name is no domain (an address literal, say). */
    SpfOutcome spfHelo(InetAddress client, String helo);

    /** Every DKIM signature's outcome; empty when the message has none. */
    List<DkimOutcome> dkim(MessageView message) throws IOException;

    ArcOutcome arc(MessageView message) throws IOException;

    Iprev iprev(InetAddress client);

    /** Forward-confirmed reverse DNS (RFC 8601 3): the result and the confirmed name (null unless pass). */
    record Iprev(Result result, String name) {
        public enum Result {
            PASS, FAIL, TEMPERROR, PERMERROR;

            public String keyword() {
                return name().toLowerCase(Locale.ROOT);
            }
        }
    }
}
