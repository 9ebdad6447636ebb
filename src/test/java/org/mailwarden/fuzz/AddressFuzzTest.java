package org.mailwarden.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.mailwarden.mail.AddressList;
import org.mailwarden.mail.HeaderFields;

/**
 * RFC 5322 address headers (From, To, Cc, ...) in a header section, read the ways the server reads them:
 * submission's From check ({@code smtp.SubmissionHeaders}: the one address parser, {@code mail.AddressList}, an unreadable address being a
 * null entry), the envelope address syntax applied to each address found ({@code smtp.Addresses}, RFC 5321), the
 * directory's address syntax ({@code directory.Addresses}), SEARCH's header values ({@link HeaderFields}: unfolded,
 * encoded-words decoded) and FETCH ENVELOPE's address lists ({@code imap.FetchData}). None of them throws.
 */
class AddressFuzzTest {

    static final int MAX_INPUT = 16 * 1024;
    private static final List<String> ADDRESS_FIELDS = List.of("From", "Sender", "Reply-To", "To", "Cc", "Bcc");

    private static final MethodHandle SUBMISSION_HEADERS = Internals.method("org.mailwarden.smtp.SubmissionHeaders",
            "parse", 1);
    private static final MethodHandle FROM_ADDRESSES = Internals.method("org.mailwarden.smtp.SubmissionHeaders",
            "fromAddresses", 0);
    private static final MethodHandle ENVELOPE_SYNTAX = Internals.method("org.mailwarden.smtp.Addresses", "isValid", 1);
    private static final String DIRECTORY_ADDRESSES = "org.mailwarden.directory.Addresses";
    private static final MethodHandle DIRECTORY_SYNTAX = Internals.method(DIRECTORY_ADDRESSES, "isAddress", 1);
    private static final MethodHandle LOCAL_PART = Internals.method(DIRECTORY_ADDRESSES, "localPart", 1);
    private static final MethodHandle DIRECTORY_DOMAIN = Internals.method(DIRECTORY_ADDRESSES, "domain", 1);
    private static final MethodHandle MIME_PARSE = Internals.method("org.mailwarden.imap.MimeTree", "parse",
            byte[].class);
    private static final MethodHandle NEW_WRITER = Internals.constructor("org.mailwarden.imap.ImapWriter", 0);
    private static final MethodHandle ENVELOPE = Internals.method("org.mailwarden.imap.FetchData", "envelope", 2);

    @FuzzTest
    void header(byte[] data) throws Throwable {
        if (data.length > MAX_INPUT) {
            return;
        }
        Object submission = SUBMISSION_HEADERS.invoke(data);
        @SuppressWarnings("unchecked")
        List<String> from = (List<String>) FROM_ADDRESSES.invoke(submission);
        for (String address : from) {
            if (address != null) {
                ENVELOPE_SYNTAX.invoke(address);
                Check.that(address.indexOf('@') > 0, () -> "a From address without a domain: " + address);
                if ((boolean) DIRECTORY_SYNTAX.invoke(address)) {
                    Check.that(!((String) LOCAL_PART.invoke(address)).isEmpty()
                                    && !((String) DIRECTORY_DOMAIN.invoke(address)).isEmpty(),
                            () -> "a directory address without a local part or a domain: " + address);
                }
            }
        }
        String header = new String(data, StandardCharsets.UTF_8);
        for (String field : ADDRESS_FIELDS) {
            for (String value : HeaderFields.values(header, field)) {
                Check.that(HeaderFields.decode(value) != null, () -> "decode gave null for " + value);
                for (AddressList.Mailbox m : AddressList.mailboxes(value)) {
                    Check.that(m.localPart() != null && (m.domain() == null || !m.domain().isEmpty()),
                            () -> "a mailbox with a null local part or an empty domain from " + value);
                }
            }
        }
        ENVELOPE.invoke(NEW_WRITER.invoke(), MIME_PARSE.invoke(data));
    }
}
