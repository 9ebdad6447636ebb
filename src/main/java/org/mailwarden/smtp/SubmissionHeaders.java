package org.mailwarden.smtp;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What the submission checks need from a message's header section, parsed with Jakarta Mail: the From
 * addresses (null entries for what cannot be parsed) and whether Message-ID and Date are present.
 */
record SubmissionHeaders(List<String> fromAddresses, boolean hasMessageId, boolean hasDate) {

    static SubmissionHeaders parse(byte[] header) {
        InternetHeaders h;
        try {
            h = new InternetHeaders(new ByteArrayInputStream(header), true);
        } catch (MessagingException e) {
            List<String> unreadable = new ArrayList<>();
            unreadable.add(null);
            return new SubmissionHeaders(unreadable, false, false);
        }
        List<String> from = new ArrayList<>();
        String[] values = h.getHeader("From");
        if (values != null) {
            for (String v : values) {
                try {
                    for (InternetAddress a : InternetAddress.parseHeader(v, false)) {
                        from.add(a.getAddress() == null || a.isGroup() ? null : a.getAddress());
                    }
                } catch (AddressException e) {
                    from.add(null);
                }
            }
        }
        return new SubmissionHeaders(from, h.getHeader("Message-ID") != null, h.getHeader("Date") != null);
    }
}
