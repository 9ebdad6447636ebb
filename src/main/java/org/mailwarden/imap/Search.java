package org.mailwarden.imap;

import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.text.ParsePosition;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.mailwarden.mail.AddressList;
import org.mailwarden.mail.HeaderFields;
import org.mailwarden.store.MessageInfo;
import org.mailwarden.store.SystemFlag;

/**
 * Evaluates SEARCH keys (RFC 3501 6.4.4) against one message. Flags, sizes and dates come from the index; header
 * keys from the folder's header columns when the command could look them up for the whole folder at once; the
 * message file is read only when a key needs its header or text, and then once.
 */
final class Search implements AutoCloseable {

    private final SelectedMailbox box;
    private final int seq;
    private final MessageInfo m;
    private final Map<SearchKey.Header, long[]> headerHits;
    /** The message's file and structure, when a key needs its text. */
    private MessageFile file;
    private MimeTree.Part parsed;
    private boolean loaded;
    private String headerText;
    private boolean headerLoaded;

    /** {@code headerHits}: for header keys answered from the folder's columns, the matching UIDs (ascending). */
    Search(SelectedMailbox box, int seq, MessageInfo m,
            Map<SearchKey.Header, long[]> headerHits) {
        this.box = box;
        this.seq = seq;
        this.m = m;
        this.headerHits = headerHits;
    }

    boolean matches(SearchKey key) throws IOException {
        return switch (key) {
            case SearchKey.All a -> true;
            case SearchKey.Flag(String flag, boolean set) -> hasFlag(flag) == set;
            case SearchKey.Recent(boolean set) -> box.isRecent(m.uid()) == set;
            case SearchKey.New n -> box.isRecent(m.uid()) && !m.flags().has(SystemFlag.SEEN);
            case SearchKey.Sequence(SequenceSet set) -> set.contains(seq, box.count());
            case SearchKey.Uids(SequenceSet set) -> set.contains(m.uid(), box.maxUid());
            case SearchKey.Header h -> header(h);
            case SearchKey.Address a -> address(a);
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
        Optional<SystemFlag> system = Flags.system(flag);
        return system.isPresent() ? m.flags().has(system.get()) : m.flags().hasKeyword(flag);
    }

    /** The message's structure, its file opened the first time a key needs its text; null if it is gone. */
    private MimeTree.Part message() throws IOException {
        if (!loaded) {
            loaded = true;
            file = MessageFile.open(box.folder, m, new byte[FILE_BUFFER]).orElse(null);
            parsed = file == null ? null : file.structure();
        }
        return parsed;
    }

    /** A message's text is read through this much, a part at a time. */
    private static final int FILE_BUFFER = 32 * 1024;

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }

    /** The header (text as stored), from the folder's header cache; null if the message is gone. */
    private String headerText() throws IOException {
        if (!headerLoaded) {
            headerLoaded = true;
            headerText = box.folder.header(m.uid()).orElse(null);
        }
        return headerText;
    }

    private static boolean contains(String haystack, String needle) {
        return haystack != null && haystack.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
    }

    private boolean header(SearchKey.Header key) throws IOException {
        if (headerHits.containsKey(key)) {
            return hit(key);
        }
        String h = headerText();
        if (h == null) {
            return false;
        }
        for (String v : HeaderFields.values(h, key.field())) {
            if (key.value().isEmpty() || contains(HeaderFields.decode(v), key.value())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The column searches that answer an address key for most messages without reading them: the value itself, and
     * the fields holding a comment or a quoted string, the only ones whose addresses read differently from their text.
     */
    static List<SearchKey.Header> columnKeys(SearchKey.Address a) {
        return List.of(new SearchKey.Header(a.field(), a.value()), new SearchKey.Header(a.field(), "("),
                new SearchKey.Header(a.field(), "\""));
    }

    private boolean hit(SearchKey.Header key) {
        long[] uids = headerHits.get(key);
        return uids != null && Arrays.binarySearch(uids, m.uid()) >= 0;
    }

    /** An address key: the field as written (decoded), or one of its addresses without the comments. */
    private boolean address(SearchKey.Address key) throws IOException {
        List<SearchKey.Header> columns = columnKeys(key);
        if (header(columns.get(0))) {
            return true;
        }
        if (columns.stream().allMatch(headerHits::containsKey) && !hit(columns.get(1)) && !hit(columns.get(2))) {
            return false; // no comment and no quoted string: its addresses read as its text, which did not match
        }
        String h = headerText();
        if (h == null) {
            return false;
        }
        for (String v : HeaderFields.values(h, key.field())) {
            for (AddressList.Mailbox a : AddressList.mailboxes(v)) {
                String name = a.name() == null ? "" : HeaderFields.decode(a.name()) + " ";
                if (contains(name + "<" + a.address() + ">", key.value())) {
                    return true;
                }
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
                if (contains(HeaderFields.decode(f.value()), value) || contains(f.name(), value)) {
                    return true;
                }
            }
        }
        return bodyContains(p, value);
    }

    /**
     * Text parts are searched decoded (transfer encoding and charset); other parts as they are. Each is read from the
     * file as it is searched, never whole.
     */
    private boolean bodyContains(MimeTree.Part p, String value) throws IOException {
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
        String enc = p.header("Content-Transfer-Encoding");
        String e = enc == null || !p.type().equals("text") ? "" : enc.strip().toLowerCase(Locale.ROOT);
        Charset cs = StandardCharsets.UTF_8;
        try {
            String name = p.params().get("charset");
            if (name != null) {
                cs = Charset.forName(MimeUtility.javaCharset(name));
            }
        } catch (RuntimeException ex) {
            // unknown charset: UTF-8
        }
        if (e.equals("base64") || e.equals("quoted-printable")) {
            try (InputStream in = MimeUtility.decode(body(p), e)) {
                return contains(new InputStreamReader(in, cs), value);
            } catch (IOException | jakarta.mail.MessagingException | RuntimeException ex) {
                // not decodable: searched as it is
            }
        }
        try (InputStream in = body(p)) {
            return contains(new InputStreamReader(in, cs), value);
        }
    }

    private InputStream body(MimeTree.Part p) {
        return file.stream(p.bodyStart().file(), p.end().file());
    }

    /** Whether the text {@code in} reads contains {@code needle}, case-insensitively: read in pieces, not whole. */
    static boolean contains(Reader in, String needle) throws IOException {
        String lower = needle.toLowerCase(Locale.ROOT);
        char[] buf = new char[8192];
        String tail = "";
        int n;
        while ((n = in.read(buf)) > 0) {
            String window = tail + new String(buf, 0, n);
            if (window.toLowerCase(Locale.ROOT).contains(lower)) {
                return true;
            }
            tail = window.substring(Math.max(0, window.length() - needle.length() + 1));
        }
        return lower.isEmpty();
    }

    private boolean date(SearchKey.Date d) throws IOException {
        LocalDate day;
        if (d.sent()) {
            String text = headerText();
            List<String> dates = text == null ? List.of() : HeaderFields.values(text, "Date");
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
