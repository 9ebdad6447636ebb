package org.mailwarden.imap;

import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.text.ParsePosition;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.mailwarden.store.Crlf;
import org.mailwarden.store.MaildirFolder;

/**
 * Evaluates SEARCH keys (RFC 3501 6.4.4) against one message. Flags, sizes and dates come from the index;
 * the message file is read only when a key needs its header or text, and then once.
 */
final class Search {

    private final SelectedMailbox box;
    private final List<String> keywords;
    private final int seq;
    private final MaildirFolder.Message m;
    private MimeTree.Part parsed;
    private boolean loaded;
    private String headerText;
    private boolean headerLoaded;

    Search(SelectedMailbox box, List<String> keywords, int seq, MaildirFolder.Message m) {
        this.box = box;
        this.keywords = keywords;
        this.seq = seq;
        this.m = m;
    }

    boolean matches(SearchKey key) throws IOException {
        return switch (key) {
            case SearchKey.All a -> true;
            case SearchKey.Flag(String flag, boolean set) -> hasFlag(flag) == set;
            case SearchKey.Recent(boolean set) -> box.isRecent(m.uid()) == set;
            case SearchKey.New n -> box.isRecent(m.uid()) && !m.has('S');
            case SearchKey.Sequence(SequenceSet set) -> set.contains(seq, box.count());
            case SearchKey.Uids(SequenceSet set) -> set.contains(m.uid(), box.maxUid());
            case SearchKey.Header(String field, String value) -> header(field, value);
            case SearchKey.Text(String value, boolean includeHeader) -> text(value, includeHeader);
            case SearchKey.Date d -> date(d);
            case SearchKey.Size(boolean larger, long octets) -> {
                long size = box.folder.virtualSize(m);
                yield larger ? size > octets : size < octets;
            }
            case SearchKey.Modseq(long atLeast) -> m.modseq() >= atLeast;
            case SearchKey.Not(SearchKey k) -> !matches(k);
            case SearchKey.Or(SearchKey a, SearchKey b) -> matches(a) || matches(b);
            case SearchKey.And(List<SearchKey> keys) -> {
                for (SearchKey k : keys) {
                    if (!matches(k)) {
                        yield false;
                    }
                }
                yield true;
            }
        };
    }

    private boolean hasFlag(String flag) {
        if (flag.length() == 1 && Character.isUpperCase(flag.charAt(0))) {
            return m.has(flag.charAt(0));
        }
        char system = Flags.letter(flag);
        if (system != 0) {
            return m.has(system);
        }
        for (int i = 0; i < keywords.size(); i++) {
            if (keywords.get(i).equalsIgnoreCase(flag)) {
                return m.has((char) ('a' + i));
            }
        }
        return false;
    }

    private MimeTree.Part message() throws IOException {
        if (!loaded) {
            loaded = true;
            Optional<byte[]> b = box.folder.read(m.uid());
            parsed = b.map(bytes -> MimeTree.parse(Crlf.toCrlf(bytes))).orElse(null);
        }
        return parsed;
    }

    /** The header (text as stored), from the folder's header cache; null if the message is gone. */
    private String headerText() throws IOException {
        if (!headerLoaded) {
            headerLoaded = true;
            headerText = box.folder.header(m.uid()).orElse(null);
        }
        return headerText;
    }

    /**
     * The values of the header fields named {@code field} (case-insensitive), in order, unfolded and stripped
     * exactly as {@link MimeTree#fields} gives them, without building the others: SEARCH FROM/SUBJECT/HEADER
     * over a large folder looks at one or two fields of every message.
     */
    static List<String> fieldValues(String header, String field) {
        List<String> out = new ArrayList<>(1);
        int n = header.length();
        int pos = 0;
        boolean named = false;   // the current line belongs to a field (continuation lines are appended)
        StringBuilder value = null; // non-null while in a field with the wanted name
        while (pos < n) {
            int nl = header.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            int lineEnd = end > pos && header.charAt(end - 1) == '\r' ? end - 1 : end;
            if (lineEnd > pos) {
                char c0 = header.charAt(pos);
                if ((c0 == ' ' || c0 == '\t') && named) {
                    if (value != null) {
                        value.append(header, pos, lineEnd);
                    }
                } else {
                    if (value != null) {
                        out.add(value.toString().strip());
                        value = null;
                    }
                    int colon = header.indexOf(':', pos);
                    if (colon <= pos || colon >= lineEnd) {
                        named = false;
                    } else {
                        named = true;
                        int a = pos;
                        int b = colon;
                        while (a < b && Character.isWhitespace(header.charAt(a))) {
                            a++;
                        }
                        while (b > a && Character.isWhitespace(header.charAt(b - 1))) {
                            b--;
                        }
                        if (b - a == field.length() && header.regionMatches(true, a, field, 0, b - a)) {
                            value = new StringBuilder().append(header, colon + 1, lineEnd);
                        }
                    }
                }
            }
            pos = end + 1;
        }
        if (value != null) {
            out.add(value.toString().strip());
        }
        return out;
    }

    private static boolean contains(String haystack, String needle) {
        return haystack != null && haystack.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
    }

    private static String decode(String value) {
        try {
            return MimeUtility.decodeText(value);
        } catch (IOException | RuntimeException e) {
            return value;
        }
    }

    private boolean header(String field, String value) throws IOException {
        String h = headerText();
        if (h == null) {
            return false;
        }
        for (String v : fieldValues(h, field)) {
            if (value.isEmpty() || contains(decode(v), value)) {
                return true;
            }
        }
        return false;
    }

    private boolean text(String value, boolean includeHeader) throws IOException {
        MimeTree.Part p = message();
        if (p == null) {
            return false;
        }
        if (includeHeader) {
            for (MimeTree.Field f : p.fields()) {
                if (contains(decode(f.value()), value) || contains(f.name(), value)) {
                    return true;
                }
            }
        }
        return bodyContains(p, value);
    }

    /** Text parts are searched decoded (transfer encoding and charset); other parts as they are. */
    private boolean bodyContains(MimeTree.Part p, String value) {
        if (p.multipart()) {
            for (MimeTree.Part c : p.children()) {
                if (bodyContains(c, value)) {
                    return true;
                }
            }
            return false;
        }
        if (p.message() != null) {
            return bodyContains(p.message(), value);
        }
        byte[] body = java.util.Arrays.copyOfRange(p.data(), p.bodyStart(), p.end());
        String enc = p.header("Content-Transfer-Encoding");
        if (enc != null && p.type().equals("text")) {
            String e = enc.strip().toLowerCase(Locale.ROOT);
            if (e.equals("base64") || e.equals("quoted-printable")) {
                try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(body), e)) {
                    body = in.readAllBytes();
                } catch (Exception ex) {
                    // searched as it is
                }
            }
        }
        Charset cs = StandardCharsets.UTF_8;
        try {
            String name = p.params().get("charset");
            if (name != null) {
                cs = Charset.forName(MimeUtility.javaCharset(name));
            }
        } catch (RuntimeException e) {
            // unknown charset: UTF-8
        }
        return contains(new String(body, cs), value);
    }

    private boolean date(SearchKey.Date d) throws IOException {
        LocalDate day;
        if (d.sent()) {
            String text = headerText();
            List<String> dates = text == null ? List.of() : fieldValues(text, "Date");
            String h = dates.isEmpty() ? null : dates.getFirst();
            if (h == null) {
                return false;
            }
            day = sentDate(h);
            if (day == null) {
                return false;
            }
        } else {
            day = box.folder.receivedDate(m).atZone(ZoneId.systemDefault()).toLocalDate();
        }
        return switch (d.op()) {
            case BEFORE -> day.isBefore(d.date());
            case ON -> day.isEqual(d.date());
            case SINCE -> !day.isBefore(d.date());
        };
    }

    private static LocalDate sentDate(String h) {
        try {
            return ZonedDateTime.parse(h.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toLocalDate();
        } catch (RuntimeException e) {
            java.util.Date parsed = new MailDateFormat().parse(h, new ParsePosition(0));
            return parsed == null ? null : parsed.toInstant().atZone(ZoneOffset.UTC).toLocalDate();
        }
    }
}
