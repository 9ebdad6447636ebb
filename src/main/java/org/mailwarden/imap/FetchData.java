package org.mailwarden.imap;

import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mailwarden.mail.AddressList;

/** ENVELOPE, BODY/BODYSTRUCTURE and BODY[section] data of one message (RFC 3501 7.4.2). */
final class FetchData {

    private FetchData() {}

    static void envelope(ImapWriter w, MimeTree.Part m) {
        w.raw('(');
        w.nstring(m.header("Date")).raw(' ');
        w.nstring(m.header("Subject")).raw(' ');
        String from = m.header("From");
        addresses(w, from);
        // absent or empty Sender and Reply-To are the From (RFC 3501 7.4.2)
        w.raw(' ');
        addresses(w, AddressList.parse(m.header("Sender")).isEmpty() ? from : m.header("Sender"));
        w.raw(' ');
        addresses(w, AddressList.parse(m.header("Reply-To")).isEmpty() ? from : m.header("Reply-To"));
        for (String h : List.of("To", "Cc", "Bcc")) {
            w.raw(' ');
            addresses(w, m.header(h));
        }
        w.raw(' ').nstring(m.header("In-Reply-To"));
        w.raw(' ').nstring(m.header("Message-ID"));
        w.raw(')');
    }

    /** An ENVELOPE address list (RFC 3501 7.4.2), read with the one address parser ({@link AddressList}). */
    private static void addresses(ImapWriter w, String header) {
        List<AddressList.Entry> list = AddressList.parse(header);
        if (list.isEmpty()) {
            w.raw("NIL");
            return;
        }
        w.raw('(');
        for (AddressList.Entry e : list) {
            switch (e) {
                case AddressList.Group g -> {
                    // group syntax: (NIL NIL "name" NIL), the members, (NIL NIL NIL NIL)
                    w.raw("(NIL NIL ").string(g.name()).raw(" NIL)");
                    for (AddressList.Mailbox member : g.members()) {
                        address(w, member);
                    }
                    w.raw("(NIL NIL NIL NIL)");
                }
                case AddressList.Mailbox m -> address(w, m);
            }
        }
        w.raw(')');
    }

    private static void address(ImapWriter w, AddressList.Mailbox a) {
        String personal = a.name();
        if (personal != null && !personal.chars().allMatch(c -> c < 0x80)) {
            try {
                personal = MimeUtility.encodeWord(personal, "UTF-8", "Q");
            } catch (UnsupportedEncodingException e) {
                // UTF-8 is always there
            }
        }
        // (name source-route mailbox host); a missing domain is "", as NIL there would mean group syntax
        w.raw('(').nstring(personal).raw(' ').nstring(a.route()).raw(' ');
        w.string(a.localPart()).raw(' ');
        w.string(a.domain() == null ? "" : a.domain()).raw(')');
    }

    /** BODY ({@code ext} false) or BODYSTRUCTURE. */
    static void structure(ImapWriter w, MimeTree.Part p, boolean ext) {
        w.raw('(');
        if (p.multipart()) {
            for (MimeTree.Part c : p.children()) {
                structure(w, c, ext);
            }
            w.raw(' ').string(p.subtype().toUpperCase(Locale.ROOT));
            if (ext) {
                w.raw(' ');
                params(w, p.params());
                w.raw(' ');
                disposition(w, p);
                w.raw(' ').nstring(p.header("Content-Language")).raw(' ').nstring(p.header("Content-Location"));
            }
            w.raw(')');
            return;
        }
        w.string(p.type().toUpperCase(Locale.ROOT)).raw(' ').string(p.subtype().toUpperCase(Locale.ROOT)).raw(' ');
        params(w, p.params());
        w.raw(' ').nstring(p.header("Content-ID"));
        w.raw(' ').nstring(p.header("Content-Description"));
        String enc = p.header("Content-Transfer-Encoding");
        w.raw(' ').string(enc == null ? "7BIT" : enc.strip().toUpperCase(Locale.ROOT));
        w.raw(' ').number(p.bodySize());
        if (p.message() != null) {
            w.raw(' ');
            envelope(w, p.message());
            w.raw(' ');
            structure(w, p.message(), ext);
            w.raw(' ').number(p.bodyLines());
        } else if (p.type().equals("text")) {
            w.raw(' ').number(p.bodyLines());
        }
        if (ext) {
            w.raw(' ').nstring(p.header("Content-MD5")).raw(' ');
            disposition(w, p);
            w.raw(' ').nstring(p.header("Content-Language")).raw(' ').nstring(p.header("Content-Location"));
        }
        w.raw(')');
    }

    private static void params(ImapWriter w, Map<String, String> params) {
        Map<String, String> shown = new LinkedHashMap<>(params);
        if (shown.isEmpty()) {
            w.raw("NIL");
            return;
        }
        w.raw('(');
        boolean first = true;
        for (Map.Entry<String, String> e : shown.entrySet()) {
            if (!first) {
                w.raw(' ');
            }
            first = false;
            w.string(e.getKey().toUpperCase(Locale.ROOT)).raw(' ').string(e.getValue());
        }
        w.raw(')');
    }

    private static void disposition(ImapWriter w, MimeTree.Part p) {
        String d = p.header("Content-Disposition");
        if (d == null || d.isBlank()) {
            w.raw("NIL");
            return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        String value = MimeTree.disposition(d, params);
        w.raw('(').string(value.toUpperCase(Locale.ROOT)).raw(' ');
        params(w, params);
        w.raw(')');
    }

    /** What BODY[section] serves: a range of the message, in network form, or octets made here. */
    sealed interface Content {
        long size();

        record Range(MimeTree.Pos from, MimeTree.Pos to) implements Content {
            public long size() {
                return to.net() - from.net();
            }
        }

        record Bytes(byte[] bytes) implements Content {
            public long size() {
                return bytes.length;
            }
        }
    }

    /** Whether BODY[section] needs the message's whole structure (a numbered part), not just its header. */
    static boolean needsStructure(FetchItem.Section s) {
        return s.part().length > 0;
    }

    /**
     * BODY[section] (before any partial), or null when the section does not exist (served as an empty string, as
     * Dovecot does).
     */
    static Content section(MimeTree.Part root, FetchItem.Section s) {
        MimeTree.Part p = MimeTree.resolve(root, s.part());
        if (p == null) {
            return null;
        }
        boolean top = s.part().length == 0;
        // HEADER, TEXT and HEADER.FIELDS of a part address the message inside a message/rfc822 part
        MimeTree.Part msg = top ? p : p.message();
        return switch (s.text()) {
            case "" -> top ? new Content.Range(p.headerStart(), p.end()) : new Content.Range(p.bodyStart(), p.end());
            case "MIME" -> new Content.Range(p.headerStart(), p.bodyStart());
            case "HEADER" -> msg == null ? null : new Content.Range(msg.headerStart(), msg.bodyStart());
            case "TEXT" -> msg == null ? null : new Content.Range(msg.bodyStart(), msg.end());
            default -> msg == null ? null : new Content.Bytes(fields(msg.header(), s.fields(),
                    s.text().endsWith(".NOT")));
        };
    }

    /** The header lines (with their folding) whose names are (or, for NOT, are not) in the list, and CRLF. */
    private static byte[] fields(byte[] h, List<String> names, boolean not) {
        String header = new String(h, StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean keep = false;
        for (String line : header.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.charAt(0) != ' ' && line.charAt(0) != '\t') {
                int colon = line.indexOf(':');
                String name = colon > 0 ? line.substring(0, colon).strip().toUpperCase(Locale.ROOT) : "";
                keep = colon > 0 && names.contains(name) != not;
            }
            if (keep) {
                out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
                out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        out.writeBytes(new byte[] {'\r', '\n'});
        return out.toByteArray();
    }
}
