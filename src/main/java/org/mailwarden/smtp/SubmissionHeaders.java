package org.mailwarden.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.mailwarden.mail.AddressList;
import org.mailwarden.mail.HeaderFields;

/**
 * What the submission checks need from a message's header section, read with the one header and address parser
 * ({@link HeaderFields}, {@link AddressList}): the From addresses (null entries for what is not a usable address:
 * a group, an address without a domain or local part, a value with no address at all) and whether Message-ID and
 * Date are present.
 */
record SubmissionHeaders(List<String> fromAddresses, boolean hasMessageId, boolean hasDate) {

    static SubmissionHeaders parse(byte[] header) {
        String h = new String(header, StandardCharsets.UTF_8);
        List<String> from = new ArrayList<>();
        for (String v : HeaderFields.values(h, "From")) {
            List<AddressList.Entry> entries = AddressList.parse(v);
            if (entries.isEmpty()) {
                from.add(null);
            }
            for (AddressList.Entry e : entries) {
                switch (e) {
                    case AddressList.Mailbox m ->
                            from.add(m.domain() == null || m.localPart().isEmpty() ? null : m.address());
                    case AddressList.Group g -> from.add(null);
                }
            }
        }
        return new SubmissionHeaders(from, !HeaderFields.values(h, "Message-ID").isEmpty(),
                !HeaderFields.values(h, "Date").isEmpty());
    }
}
