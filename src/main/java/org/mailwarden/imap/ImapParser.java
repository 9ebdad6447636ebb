package org.mailwarden.imap;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a command read by {@link ImapInput} into an {@link ImapCommand} (RFC 3501 9 grammar, with LITERAL+
 * literals). Anything malformed becomes {@link ImapCommand.Invalid}, which the session answers with BAD.
 */
final class ImapParser {

    /** date-time as received: month names in any case (RFC 3501 9: strings are case-insensitive). */
    static final DateTimeFormatter DATE_TIME = caseInsensitive("d-MMM-yyyy HH:mm:ss Z");
    /** date-time as sent (RFC 3501 9): date-day-fixed, so the day is padded with a space (" 2-Feb-2026"). */
    static final DateTimeFormatter DATE_TIME_OUT =
            DateTimeFormatter.ofPattern("ppd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final DateTimeFormatter DATE = caseInsensitive("d-MMM-yyyy");

    private static DateTimeFormatter caseInsensitive(String pattern) {
        return new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern(pattern).toFormatter(Locale.ENGLISH);
    }

    /** Thrown for a syntax error; its message goes to the client. */
    static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * How deep SEARCH keys (parentheses, NOT, OR) and parenthesised lists may nest: far beyond what a client writes,
     * far below what would exhaust the parser's stack.
     */
    static final int MAX_NESTING = 64;

    private final List<Object> parts;
    private int part;
    private String s;
    private int pos;
    private int depth;

    private ImapParser(List<Object> parts) {
        this.parts = parts;
        this.s = (String) parts.getFirst();
    }

    static ImapCommand.Tagged parse(List<Object> parts) {
        ImapParser p = new ImapParser(parts);
        String tag = p.tag();
        if (tag == null) {
            return new ImapCommand.Tagged("*", new ImapCommand.Invalid("Missing or invalid tag"));
        }
        try {
            p.sp();
            String name = p.atom().toUpperCase(Locale.ROOT);
            ImapCommand c = p.command(name);
            if (!p.atEnd()) {
                throw new SyntaxError("Unexpected characters at the end of " + name);
            }
            return new ImapCommand.Tagged(tag, c);
        } catch (BadCharset e) {
            return new ImapCommand.Tagged(tag,
                    new ImapCommand.Refused("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"));
        } catch (SyntaxError | IllegalArgumentException e) {
            return new ImapCommand.Tagged(tag, new ImapCommand.Invalid(e.getMessage()));
        }
    }

    private String tag() {
        int sp = s.indexOf(' ');
        String t = sp < 0 ? s : s.substring(0, sp);
        if (t.isEmpty() || t.length() > 64) {
            return null;
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= ' ' || c >= 0x7f || "(){%*\"\\+".indexOf(c) >= 0) {
                return null;
            }
        }
        pos = t.length();
        return t;
    }

    private ImapCommand command(String name) {
        return switch (name) {
            case "CAPABILITY" -> new ImapCommand.Capability();
            case "NOOP" -> new ImapCommand.Noop();
            case "LOGOUT" -> new ImapCommand.Logout();
            case "STARTTLS" -> new ImapCommand.StartTls();
            case "LOGIN" -> {
                sp();
                String user = astring();
                sp();
                yield new ImapCommand.Login(user, astring());
            }
            case "AUTHENTICATE" -> {
                sp();
                String mech = atom().toUpperCase(Locale.ROOT);
                String initial = null;
                if (peek() == ' ') {
                    sp();
                    initial = atom();
                }
                yield new ImapCommand.Authenticate(mech, initial);
            }
            case "SELECT", "EXAMINE" -> select(name.equals("EXAMINE"));
            case "CREATE" -> {
                sp();
                String box = mailbox();
                if (peek() == ' ') { // RFC 6154 USE (...) is accepted and ignored
                    sp();
                    skipList();
                }
                yield new ImapCommand.Create(box);
            }
            case "DELETE" -> {
                sp();
                yield new ImapCommand.Delete(mailbox());
            }
            case "RENAME" -> {
                sp();
                String from = mailbox();
                sp();
                yield new ImapCommand.Rename(from, mailbox());
            }
            case "SUBSCRIBE", "UNSUBSCRIBE" -> {
                sp();
                yield new ImapCommand.Subscribe(mailbox(), name.equals("SUBSCRIBE"));
            }
            case "LIST", "LSUB" -> list(name.equals("LSUB"));
            case "STATUS" -> {
                sp();
                String box = mailbox();
                sp();
                List<String> items = new ArrayList<>();
                for (String i : atomList()) {
                    items.add(i.toUpperCase(Locale.ROOT));
                }
                yield new ImapCommand.Status(box, items);
            }
            case "APPEND" -> append();
            case "CHECK" -> new ImapCommand.Check();
            case "CLOSE" -> new ImapCommand.Close();
            case "UNSELECT" -> new ImapCommand.Unselect();
            case "EXPUNGE" -> new ImapCommand.Expunge(null);
            case "SEARCH" -> search(false);
            case "FETCH" -> fetch(false);
            case "STORE" -> store(false);
            case "COPY", "MOVE" -> copy(false, name.equals("MOVE"));
            case "UID" -> {
                sp();
                String sub = atom().toUpperCase(Locale.ROOT);
                yield switch (sub) {
                    case "FETCH" -> fetch(true);
                    case "SEARCH" -> search(true);
                    case "STORE" -> store(true);
                    case "COPY", "MOVE" -> copy(true, sub.equals("MOVE"));
                    case "EXPUNGE" -> {
                        sp();
                        yield new ImapCommand.Expunge(SequenceSet.parse(atom()));
                    }
                    default -> throw new SyntaxError("Unknown UID command " + sub);
                };
            }
            case "IDLE" -> new ImapCommand.Idle();
            case "GETQUOTAROOT" -> {
                sp();
                yield new ImapCommand.GetQuotaRoot(mailbox());
            }
            case "GETQUOTA" -> {
                sp();
                yield new ImapCommand.GetQuota(astring());
            }
            case "SETQUOTA" -> {
                sp();
                String root = astring();
                sp();
                skipList();
                yield new ImapCommand.SetQuota(root);
            }
            case "NAMESPACE" -> new ImapCommand.Namespace();
            case "ENABLE" -> {
                List<String> caps = new ArrayList<>();
                while (peek() == ' ') {
                    sp();
                    caps.add(atom().toUpperCase(Locale.ROOT));
                }
                if (caps.isEmpty()) {
                    throw new SyntaxError("ENABLE needs at least one capability");
                }
                yield new ImapCommand.Enable(caps);
            }
            case "ID" -> {
                sp();
                List<String> fields = new ArrayList<>();
                if (peek() == '(') {
                    pos++;
                    while (peek() != ')') {
                        if (peek() == ' ') {
                            pos++;
                        }
                        String v = nstring();
                        fields.add(v == null ? "NIL" : v);
                    }
                    pos++;
                } else {
                    expectWord("NIL");
                }
                yield new ImapCommand.Id(fields);
            }
            default -> new ImapCommand.Unknown(name);
        };
    }

    /** SELECT / EXAMINE with RFC 4466 select parameters: CONDSTORE, QRESYNC; others are skipped. */
    private ImapCommand select(boolean readOnly) {
        sp();
        String box = mailbox();
        boolean condstore = false;
        ImapCommand.Qresync qresync = null;
        if (peek() == ' ') {
            paramsStart();
            for (String param = param(); param != null; param = param()) {
                switch (param) {
                    case "CONDSTORE" -> condstore = true;
                    case "QRESYNC" -> {
                        sp();
                        qresync = qresync();
                    }
                    default -> {
                        if (peek() == ' ' && pos + 1 < s.length() && s.charAt(pos + 1) == '(') {
                            pos++;
                            skipList();
                        }
                    }
                }
            }
        }
        return new ImapCommand.Select(box, readOnly, condstore, qresync);
    }

    /**
     * The QRESYNC select parameter's value (RFC 7162 3.2.5): "(" uidvalidity SP modseq [SP known-uids]
     * [SP "(" known-sequence-set SP known-uid-set ")"] ")". The sequence match data is checked and not used.
     */
    private ImapCommand.Qresync qresync() {
        if (peek() != '(') {
            throw new SyntaxError("'(' expected after QRESYNC");
        }
        pos++;
        long uidValidity = number();
        sp();
        long modseq = number();
        SequenceSet known = null;
        if (peek() == ' ' && pos + 1 < s.length() && s.charAt(pos + 1) != '(') {
            sp();
            known = SequenceSet.parse(atom());
        }
        if (peek() == ' ') {
            sp();
            if (peek() != '(') {
                throw new SyntaxError("'(' expected");
            }
            pos++;
            SequenceSet.parse(atom());
            sp();
            SequenceSet.parse(atom());
            if (peek() != ')') {
                throw new SyntaxError("')' expected");
            }
            pos++;
        }
        if (peek() != ')') {
            throw new SyntaxError("')' expected after QRESYNC parameters");
        }
        pos++;
        return new ImapCommand.Qresync(uidValidity, modseq, known);
    }

    private ImapCommand list(boolean lsub) {
        boolean subscribedOnly = false;
        boolean specialUseOnly = false;
        boolean returnSubscribed = false;
        boolean returnSpecialUse = false;
        sp();
        if (!lsub && peek() == '(') { // RFC 5258 selection options
            for (String o : atomList()) {
                switch (o.toUpperCase(Locale.ROOT)) {
                    case "SUBSCRIBED" -> subscribedOnly = true;
                    case "SPECIAL-USE" -> specialUseOnly = true;
                    default -> { } // RECURSIVEMATCH, REMOTE: nothing to do for us
                }
            }
            sp();
        }
        String ref = mailbox();
        sp();
        List<String> patterns = new ArrayList<>();
        if (!lsub && peek() == '(') {
            pos++;
            while (peek() != ')') {
                if (peek() == ' ') {
                    pos++;
                }
                patterns.add(listMailbox());
            }
            pos++;
        } else {
            patterns.add(listMailbox());
        }
        if (!lsub && peek() == ' ') {
            sp();
            expectWord("RETURN");
            sp();
            for (String o : atomListDeep()) {
                switch (o.toUpperCase(Locale.ROOT)) {
                    case "SUBSCRIBED" -> returnSubscribed = true;
                    case "SPECIAL-USE" -> returnSpecialUse = true;
                    default -> { } // CHILDREN is always returned
                }
            }
        }
        return new ImapCommand.ListMailboxes(ref, patterns, lsub, subscribedOnly, specialUseOnly, returnSubscribed,
                returnSpecialUse);
    }

    private ImapCommand append() {
        sp();
        String box = mailbox();
        sp();
        List<String> flags = List.of();
        if (peek() == '(') {
            flags = flagList();
            sp();
        }
        Instant date = null;
        if (peek() == '"') {
            String d = quoted();
            try {
                date = ZonedDateTime.parse(d.strip(), DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw new SyntaxError("Invalid date-time: " + d);
            }
            sp();
        }
        if (peek() == '~') { // literal8 (BINARY): treated as a plain literal
            pos++;
        }
        if (peek() != '{') {
            throw new SyntaxError("APPEND needs the message as a literal");
        }
        Object message = literalPart();
        return new ImapCommand.Append(box, flags, date,
                message instanceof ImapInput.Streamed st ? st.size() : ((byte[]) message).length);
    }

    private ImapCommand fetch(boolean uid) {
        sp();
        SequenceSet set = SequenceSet.parse(atom());
        sp();
        List<FetchItem> items = new ArrayList<>();
        if (peek() == '(') {
            pos++;
            while (true) {
                items.addAll(fetchAtt());
                if (peek() == ')') {
                    pos++;
                    break;
                }
                sp();
            }
        } else {
            items.addAll(fetchAtt());
        }
        long changedSince = -1;
        boolean vanished = false;
        if (peek() == ' ') { // fetch modifiers (RFC 7162): CHANGEDSINCE n, VANISHED
            paramsStart();
            for (String mod = param(); mod != null; mod = param()) {
                if (mod.equals("CHANGEDSINCE")) {
                    sp();
                    changedSince = number();
                } else if (mod.equals("VANISHED")) {
                    vanished = true;
                } else {
                    throw new SyntaxError("Unknown FETCH modifier " + mod);
                }
            }
        }
        if (vanished && (!uid || changedSince < 0)) { // RFC 7162 3.2.6
            throw new SyntaxError("VANISHED needs UID FETCH with CHANGEDSINCE");
        }
        return new ImapCommand.Fetch(uid, set, items, changedSince, vanished);
    }

    private List<FetchItem> fetchAtt() {
        String name = fetchName().toUpperCase(Locale.ROOT);
        return switch (name) {
            case "ALL" -> List.of(new FetchItem.Flags(), new FetchItem.InternalDate(), new FetchItem.Size(),
                    new FetchItem.Envelope());
            case "FAST" -> List.of(new FetchItem.Flags(), new FetchItem.InternalDate(), new FetchItem.Size());
            case "FULL" -> List.of(new FetchItem.Flags(), new FetchItem.InternalDate(), new FetchItem.Size(),
                    new FetchItem.Envelope(), new FetchItem.Structure(false));
            case "FLAGS" -> List.of(new FetchItem.Flags());
            case "UID" -> List.of(new FetchItem.Uid());
            case "INTERNALDATE" -> List.of(new FetchItem.InternalDate());
            case "RFC822.SIZE" -> List.of(new FetchItem.Size());
            case "ENVELOPE" -> List.of(new FetchItem.Envelope());
            case "BODYSTRUCTURE" -> List.of(new FetchItem.Structure(true));
            case "RFC822" -> List.of(new FetchItem.Section("RFC822", false, new int[0], "", List.of(), -1, 0));
            case "RFC822.HEADER" ->
                    List.of(new FetchItem.Section("RFC822.HEADER", true, new int[0], "HEADER", List.of(), -1, 0));
            case "RFC822.TEXT" ->
                    List.of(new FetchItem.Section("RFC822.TEXT", false, new int[0], "TEXT", List.of(), -1, 0));
            case "MODSEQ" -> List.of(new FetchItem.Modseq());
            case "BODY", "BODY.PEEK" -> {
                if (peek() != '[') {
                    if (name.equals("BODY")) {
                        yield List.of(new FetchItem.Structure(false));
                    }
                    throw new SyntaxError("BODY.PEEK needs a section");
                }
                yield List.of(section(name.equals("BODY.PEEK")));
            }
            default -> throw new SyntaxError("Unknown FETCH item " + name);
        };
    }

    private String fetchName() {
        int start = pos;
        while (pos < s.length() && " ()[".indexOf(s.charAt(pos)) < 0) {
            pos++;
        }
        if (pos == start) {
            throw new SyntaxError("FETCH item expected");
        }
        return s.substring(start, pos);
    }

    private FetchItem.Section section(boolean peek) {
        pos++; // '['
        List<Integer> path = new ArrayList<>();
        String text = "";
        List<String> fields = List.of();
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            int start = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            int n = Integer.parseInt(s.substring(start, Math.min(pos, start + 9)));
            if (n == 0) {
                throw new SyntaxError("Section part numbers start at 1");
            }
            path.add(n);
            if (peek() == '.') {
                pos++;
            } else {
                break;
            }
        }
        if (peek() != ']') {
            int start = pos;
            while (pos < s.length() && " ]".indexOf(s.charAt(pos)) < 0) {
                pos++;
            }
            text = s.substring(start, pos).toUpperCase(Locale.ROOT);
            switch (text) {
                case "HEADER", "TEXT" -> { }
                case "MIME" -> {
                    if (path.isEmpty()) {
                        throw new SyntaxError("MIME needs a part number");
                    }
                }
                case "HEADER.FIELDS", "HEADER.FIELDS.NOT" -> {
                    sp();
                    fields = new ArrayList<>();
                    for (String f : astringList()) {
                        fields.add(f.toUpperCase(Locale.ROOT));
                    }
                }
                default -> throw new SyntaxError("Unknown section " + text);
            }
        }
        if (peek() != ']') {
            throw new SyntaxError("']' expected in section");
        }
        pos++;
        long offset = -1;
        long length = 0;
        if (peek() == '<') {
            int close = s.indexOf('>', pos);
            if (close < 0) {
                throw new SyntaxError("'>' expected in partial");
            }
            String[] p = s.substring(pos + 1, close).split("\\.");
            try {
                offset = Long.parseLong(p[0]);
                length = Long.parseLong(p[1]);
            } catch (RuntimeException e) {
                throw new SyntaxError("Invalid partial <origin.length>");
            }
            if (length == 0 && p[1].length() > 10) {
                throw new SyntaxError("Invalid partial length");
            }
            pos = close + 1;
        }
        StringBuilder label = new StringBuilder("BODY[");
        for (int i = 0; i < path.size(); i++) {
            label.append(i > 0 ? "." : "").append(path.get(i));
        }
        if (!text.isEmpty()) {
            label.append(path.isEmpty() ? "" : ".").append(text);
        }
        if (text.startsWith("HEADER.FIELDS")) {
            label.append(" (").append(String.join(" ", fields)).append(')');
        }
        label.append(']');
        if (offset >= 0) {
            label.append('<').append(offset).append('>');
        }
        int[] part = path.stream().mapToInt(Integer::intValue).toArray();
        return new FetchItem.Section(label.toString(), peek, part, text, List.copyOf(fields), offset, length);
    }

    private ImapCommand store(boolean uid) {
        sp();
        SequenceSet set = SequenceSet.parse(atom());
        sp();
        long unchangedSince = -1;
        if (peek() == '(') { // store modifiers (RFC 7162): UNCHANGEDSINCE n
            pos++;
            String mod = atom().toUpperCase(Locale.ROOT);
            if (!mod.equals("UNCHANGEDSINCE")) {
                throw new SyntaxError("Unknown STORE modifier " + mod);
            }
            sp();
            unchangedSince = number();
            if (peek() != ')') {
                throw new SyntaxError("')' expected after UNCHANGEDSINCE");
            }
            pos++;
            sp();
        }
        String item = atom().toUpperCase(Locale.ROOT);
        boolean silent = item.endsWith(".SILENT");
        if (silent) {
            item = item.substring(0, item.length() - ".SILENT".length());
        }
        ImapCommand.StoreMode mode = switch (item) {
            case "FLAGS" -> ImapCommand.StoreMode.REPLACE;
            case "+FLAGS" -> ImapCommand.StoreMode.ADD;
            case "-FLAGS" -> ImapCommand.StoreMode.REMOVE;
            default -> throw new SyntaxError("STORE takes FLAGS, +FLAGS or -FLAGS");
        };
        sp();
        List<String> flags;
        if (peek() == '(') {
            flags = flagList();
        } else {
            flags = new ArrayList<>();
            flags.add(flag());
            while (peek() == ' ') {
                sp();
                flags.add(flag());
            }
        }
        return new ImapCommand.Store(uid, set, mode, silent, flags, unchangedSince);
    }

    private ImapCommand copy(boolean uid, boolean move) {
        sp();
        SequenceSet set = SequenceSet.parse(atom());
        sp();
        return new ImapCommand.Copy(uid, set, mailbox(), move);
    }

    // ---- SEARCH ----------------------------------------------------------------------------------------

    private ImapCommand search(boolean uid) {
        sp();
        Set<ImapCommand.Search.Return> returns = EnumSet.noneOf(ImapCommand.Search.Return.class);
        if (peekWord("RETURN")) {
            expectWord("RETURN");
            paramsStart();
            for (String option = param(); option != null; option = param()) {
                try {
                    returns.add(ImapCommand.Search.Return.valueOf(option));
                } catch (IllegalArgumentException e) {
                    throw new SyntaxError("Unknown SEARCH return option " + option);
                }
            }
            if (returns.isEmpty()) {
                returns.add(ImapCommand.Search.Return.ALL); // RETURN () (RFC 4731 3.1)
            }
            sp();
        }
        if (peekWord("CHARSET")) {
            atom();
            sp();
            String cs = astring().toUpperCase(Locale.ROOT);
            if (!cs.equals("UTF-8") && !cs.equals("US-ASCII")) {
                throw new BadCharset();
            }
            sp();
        }
        List<SearchKey> keys = new ArrayList<>();
        keys.add(searchKey());
        while (peek() == ' ') {
            sp();
            keys.add(searchKey());
        }
        return new ImapCommand.Search(uid, keys.size() == 1 ? keys.getFirst() : new SearchKey.And(keys), returns);
    }

    /** SEARCH with a charset we do not have: NO [BADCHARSET], not BAD. */
    static final class BadCharset extends IllegalArgumentException {
        BadCharset() {
            super("BADCHARSET");
        }
    }

    private SearchKey searchKey() {
        if (++depth > MAX_NESTING) {
            throw tooDeep();
        }
        try {
            return searchKeyAt();
        } finally {
            depth--;
        }
    }

    private static SyntaxError tooDeep() {
        return new SyntaxError("Nested too deeply (limit " + MAX_NESTING + " levels)");
    }

    private SearchKey searchKeyAt() {
        if (peek() == '(') {
            pos++;
            List<SearchKey> keys = new ArrayList<>();
            keys.add(searchKey());
            while (peek() == ' ') {
                sp();
                keys.add(searchKey());
            }
            if (peek() != ')') {
                throw new SyntaxError("')' expected in SEARCH");
            }
            pos++;
            return keys.size() == 1 ? keys.getFirst() : new SearchKey.And(keys);
        }
        String word = atom();
        String k = word.toUpperCase(Locale.ROOT);
        return switch (k) {
            case "ALL" -> new SearchKey.All();
            case "SEEN" -> new SearchKey.Flag("\\Seen", true);
            case "UNSEEN" -> new SearchKey.Flag("\\Seen", false);
            case "FLAGGED" -> new SearchKey.Flag("\\Flagged", true);
            case "UNFLAGGED" -> new SearchKey.Flag("\\Flagged", false);
            case "DELETED" -> new SearchKey.Flag("\\Deleted", true);
            case "UNDELETED" -> new SearchKey.Flag("\\Deleted", false);
            case "ANSWERED" -> new SearchKey.Flag("\\Answered", true);
            case "UNANSWERED" -> new SearchKey.Flag("\\Answered", false);
            case "DRAFT" -> new SearchKey.Flag("\\Draft", true);
            case "UNDRAFT" -> new SearchKey.Flag("\\Draft", false);
            case "RECENT" -> new SearchKey.Recent(true);
            case "OLD" -> new SearchKey.Recent(false);
            case "NEW" -> new SearchKey.New();
            case "KEYWORD", "UNKEYWORD" -> {
                sp();
                yield new SearchKey.Flag(atom(), k.equals("KEYWORD"));
            }
            case "FROM", "TO", "CC", "BCC" -> {
                sp();
                yield new SearchKey.Address(k, astring());
            }
            case "SUBJECT" -> {
                sp();
                yield new SearchKey.Header(k, astring());
            }
            case "HEADER" -> {
                sp();
                String field = astring().toUpperCase(Locale.ROOT);
                sp();
                yield new SearchKey.Header(field, astring());
            }
            case "BODY", "TEXT" -> {
                sp();
                yield new SearchKey.Text(astring(), k.equals("TEXT"));
            }
            case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE" -> {
                sp();
                boolean sent = k.startsWith("SENT");
                yield new SearchKey.Date(SearchKey.DateOp.valueOf(sent ? k.substring(4) : k), date(), sent);
            }
            case "LARGER", "SMALLER" -> {
                sp();
                yield new SearchKey.Size(k.equals("LARGER"), number());
            }
            case "UID" -> {
                sp();
                yield new SearchKey.Uids(SequenceSet.parse(atom()));
            }
            case "MODSEQ" -> {
                sp();
                if (peek() == '"') { // entry-name entry-type-req: per-flag modseqs are not kept; the message's
                    quoted();
                    sp();
                    atom();
                    sp();
                }
                yield new SearchKey.Modseq(number());
            }
            case "NOT" -> {
                sp();
                yield new SearchKey.Not(searchKey());
            }
            case "OR" -> {
                sp();
                SearchKey a = searchKey();
                sp();
                yield new SearchKey.Or(a, searchKey());
            }
            default -> {
                if (!word.isEmpty() && (Character.isDigit(word.charAt(0)) || word.charAt(0) == '*')) {
                    yield new SearchKey.Sequence(SequenceSet.parse(word));
                }
                throw new SyntaxError("Unknown SEARCH key " + word);
            }
        };
    }

    private LocalDate date() {
        String d = peek() == '"' ? quoted() : atom();
        try {
            return LocalDate.parse(d, DATE);
        } catch (DateTimeParseException e) {
            throw new SyntaxError("Invalid date " + d + " (expected e.g. 1-Feb-2024)");
        }
    }

    private long number() {
        String n = atom();
        if (!n.chars().allMatch(Character::isDigit)) {
            throw new SyntaxError("Number expected, got " + n);
        }
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            throw new SyntaxError("Number expected, got " + n);
        }
    }

    // ---- lexical -----------------------------------------------------------------------------------------

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : 0;
    }

    private boolean atEnd() {
        return pos >= s.length() && part == parts.size() - 1;
    }

    private void sp() {
        if (peek() != ' ') {
            throw new SyntaxError(pos >= s.length() ? "Missing arguments" : "Space expected");
        }
        pos++;
    }

    private boolean peekWord(String w) {
        return s.regionMatches(true, pos, w, 0, w.length())
                && (pos + w.length() == s.length() || s.charAt(pos + w.length()) == ' ');
    }

    private void expectWord(String w) {
        if (!peekWord(w)) {
            throw new SyntaxError(w + " expected");
        }
        pos += w.length();
    }

    private static boolean atomChar(char c) {
        return c > ' ' && c != 0x7f && "(){%*\"\\]".indexOf(c) < 0;
    }

    /** An atom; also takes '*', '%', ']' and '\' as flags, sequence sets and list wildcards need. */
    private String atom() {
        int start = pos;
        while (pos < s.length() && (atomChar(s.charAt(pos)) || "*%]\\".indexOf(s.charAt(pos)) >= 0)) {
            pos++;
        }
        if (pos == start) {
            throw new SyntaxError(pos >= s.length() ? "Missing arguments" : "Unexpected character '" + peek() + "'");
        }
        return s.substring(start, pos);
    }

    private String flag() {
        String f = atom();
        if (f.indexOf(']') >= 0 || f.indexOf('*') >= 0 && !f.equals("\\*")) {
            throw new SyntaxError("Invalid flag " + f);
        }
        return f;
    }

    private String quoted() {
        if (peek() != '"') {
            throw new SyntaxError("Quoted string expected");
        }
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw new SyntaxError("Unterminated quoted string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= s.length()) {
                    throw new SyntaxError("Unterminated quoted string");
                }
                c = s.charAt(pos++);
            }
            sb.append(c);
        }
    }

    /** A literal: the rest of this line is "{n}" or "{n+}"; its bytes are the next part. */
    private byte[] literal() {
        if (!(literalPart() instanceof byte[] b)) {
            throw new SyntaxError("Invalid literal");
        }
        return b;
    }

    /** A literal's part: its bytes, or {@link ImapInput.Streamed} for APPEND's message. */
    private Object literalPart() {
        if (!s.substring(pos).matches("\\{\\d+\\+?\\}") || part + 2 >= parts.size()
                || parts.get(part + 1) instanceof String) {
            throw new SyntaxError("Invalid literal");
        }
        Object b = parts.get(part + 1);
        part += 2;
        s = (String) parts.get(part);
        pos = 0;
        return b;
    }

    private String astring() {
        char c = peek();
        if (c == '"') {
            return quoted();
        }
        if (c == '{') {
            return new String(literal(), StandardCharsets.UTF_8);
        }
        return atom();
    }

    private String nstring() {
        if (peekWord("NIL") || s.regionMatches(true, pos, "NIL)", 0, 4)) {
            pos += 3;
            return null;
        }
        char c = peek();
        if (c == '"') {
            return quoted();
        }
        if (c == '{') {
            return new String(literal(), StandardCharsets.UTF_8);
        }
        throw new SyntaxError("String expected");
    }

    /** A mailbox name: astring, with INBOX case-insensitive (RFC 3501 5.1). */
    private String mailbox() {
        String m = astring();
        return m.equalsIgnoreCase("INBOX") ? "INBOX" : m;
    }

    /** list-mailbox: an astring that may contain the wildcards % and *. */
    private String listMailbox() {
        char c = peek();
        if (c == '"' || c == '{') {
            return astring();
        }
        int start = pos;
        while (pos < s.length() && (atomChar(s.charAt(pos)) || "%*]".indexOf(s.charAt(pos)) >= 0)) {
            pos++;
        }
        if (pos == start) {
            throw new SyntaxError("Mailbox pattern expected");
        }
        return s.substring(start, pos);
    }

    private List<String> atomList() {
        return list(this::atom);
    }

    /** A parenthesized, space-separated list of items read by {@code item}. */
    private List<String> list(java.util.function.Supplier<String> item) {
        if (peek() != '(') {
            throw new SyntaxError("'(' expected");
        }
        pos++;
        List<String> out = new ArrayList<>();
        while (peek() != ')') {
            if (!out.isEmpty()) {
                sp();
            }
            out.add(item.get());
        }
        pos++;
        return out;
    }

    /** An atom list whose items may carry their own parenthesized arguments (LIST RETURN (STATUS (...))). */
    private List<String> atomListDeep() {
        if (peek() != '(') {
            throw new SyntaxError("'(' expected");
        }
        pos++;
        List<String> out = new ArrayList<>();
        while (peek() != ')') {
            if (!out.isEmpty()) {
                sp();
            }
            out.add(atom());
            if (peek() == ' ' && pos + 1 < s.length() && s.charAt(pos + 1) == '(') {
                pos++;
                skipList();
            }
        }
        pos++;
        return out;
    }

    private List<String> astringList() {
        return list(this::astring);
    }

    private List<String> flagList() {
        return list(this::flag);
    }

    /** The space and "(" before a list of named parameters (RFC 4466 select parameters, fetch modifiers). */
    private void paramsStart() {
        sp();
        if (peek() != '(') {
            throw new SyntaxError("'(' expected");
        }
        pos++;
    }

    /** The next parameter name, upper case (its value is the caller's to read); null after the closing ")". */
    private String param() {
        if (peek() == ')') {
            pos++;
            return null;
        }
        if (peek() == ' ') {
            pos++;
        }
        return atom().toUpperCase(Locale.ROOT);
    }

    /** Skips a parenthesized list (with nesting and quoted strings) we accept without using. */
    private void skipList() {
        if (peek() != '(') {
            throw new SyntaxError("'(' expected");
        }
        int level = 0; // counted: skipping needs no recursion
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '"') {
                pos--;
                quoted();
                continue;
            }
            if (c == '(') {
                if (++level > MAX_NESTING) {
                    throw tooDeep();
                }
            } else if (c == ')' && --level == 0) {
                return;
            }
        }
        throw new SyntaxError("Unbalanced parentheses");
    }
}
