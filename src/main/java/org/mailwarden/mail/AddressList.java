package org.mailwarden.mail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one parser of RFC 5322 address lists (section 3.4, with the obsolete forms of 4.4): the spoof check, DKIM's
 * From domain and IMAP's ENVELOPE all read addresses through it, so they agree on what a header says.
 *
 * <p>Lenient and total: it never throws, keeps what it can of a broken list, and runs without recursion (comments
 * nest by counting), so no input can overflow the stack. Understood: display names as atoms, quoted strings and
 * obsolete dotted phrases; angle addresses with obsolete source routes ({@code <@a.example,@b.example:u@c.example>});
 * comments anywhere, nested ({@code u (x (y)) @ (z) example.org}); quoted local parts ({@code "a@b"@example.org});
 * domain literals ({@code [192.0.2.1]}); groups ({@code Team: a@x, b@y;}, {@code undisclosed-recipients:;}); and the
 * old {@code u@example.org (Name)} form, whose comment becomes the display name.
 */
public final class AddressList {

    /** One entry of an address list. */
    public sealed interface Entry permits Mailbox, Group {}

    /**
     * A mailbox: {@code name} the display name without quotes (encoded-words left as they are), or null; {@code route}
     * the obsolete source route ({@code @a,@b}) or null; {@code localPart} as it must be written (quoted when it needs
     * to be); {@code domain} or null when the address has none.
     */
    public record Mailbox(String name, String route, String localPart, String domain) implements Entry {

        /** {@code local@domain}, or the local part alone when there is no domain. */
        public String address() {
            return domain == null ? localPart : localPart + "@" + domain;
        }

        /** The domain in lower case, or null. */
        public String domainLowerCase() {
            return domain == null ? null : domain.toLowerCase(Locale.ROOT);
        }
    }

    /** A group: its display name and members (RFC 5322 3.4 group syntax). */
    public record Group(String name, List<Mailbox> members) implements Entry {}

    /** Longer values are cut: no header field of a real message comes near this. */
    static final int MAX_LENGTH = 256 * 1024;

    private AddressList() {}

    /** Parses one field value (unfolded or not); an empty or unreadable value gives an empty list. */
    public static List<Entry> parse(String value) {
        if (value == null) {
            return List.of();
        }
        return new Parser(tokenize(value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) : value)).entries();
    }

    /** The mailboxes of a value, group members included, in order. */
    public static List<Mailbox> mailboxes(String value) {
        List<Mailbox> out = new ArrayList<>();
        for (Entry e : parse(value)) {
            switch (e) {
                case Mailbox m -> out.add(m);
                case Group g -> out.addAll(g.members());
            }
        }
        return out;
    }

    // ---- tokens -------------------------------------------------------------------------------------------

    private enum Kind { ATOM, QUOTED, LITERAL, SPECIAL }

    /** A token; a comment is a '(' token whose {@code comment} indexes its text in {@link Tokens#comments}. */
    private record Token(Kind kind, String text, int comment) {
        boolean is(char c) {
            return kind == Kind.SPECIAL && text.charAt(0) == c;
        }

        boolean word() {
            return kind == Kind.ATOM || kind == Kind.QUOTED;
        }
    }

    /** The tokens of a value, and the texts of its comments (a mailbox without a phrase may take one as its name). */
    private record Tokens(List<Token> list, List<String> comments) {}

    private static final String SPECIALS = "()<>[]:;@\\,.\"";

    private static Tokens tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        StringBuilder lastComment = new StringBuilder();
        List<String> comments = new ArrayList<>();
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else if (c == '(') {
                // a comment, nesting counted without recursion; its text kept for the old "u@x (Name)" form
                int depth = 0;
                lastComment.setLength(0);
                while (i < n) {
                    char d = s.charAt(i);
                    if (d == '\\' && i + 1 < n) {
                        lastComment.append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    i++;
                    if (d == '(') {
                        if (depth++ > 0) {
                            lastComment.append(d);
                        }
                    } else if (d == ')') {
                        if (--depth == 0) {
                            break;
                        }
                        lastComment.append(d);
                    } else {
                        lastComment.append(d);
                    }
                }
                comments.add(lastComment.toString().strip());
                out.add(new Token(Kind.SPECIAL, "(", comments.size() - 1)); // skipped by Parser.peek
            } else if (c == '"') {
                StringBuilder q = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    if (s.charAt(i) != '\r' && s.charAt(i) != '\n') {
                        q.append(s.charAt(i));
                    }
                    i++;
                }
                i++; // the closing quote (or the end)
                out.add(new Token(Kind.QUOTED, q.toString(), -1));
            } else if (c == '[') {
                int end = s.indexOf(']', i);
                end = end < 0 ? n : end + 1;
                out.add(new Token(Kind.LITERAL, s.substring(i, end).replaceAll("\\s+", ""), -1));
                i = end;
            } else if (SPECIALS.indexOf(c) >= 0) {
                out.add(new Token(Kind.SPECIAL, String.valueOf(c), -1));
                i++;
            } else {
                int start = i;
                while (i < n) {
                    char d = s.charAt(i);
                    if (d == ' ' || d == '\t' || d == '\r' || d == '\n' || SPECIALS.indexOf(d) >= 0) {
                        break;
                    }
                    i++;
                }
                out.add(new Token(Kind.ATOM, s.substring(start, i), -1));
            }
        }
        return new Tokens(out, comments);
    }

    // ---- grammar ------------------------------------------------------------------------------------------

    private static final class Parser {
        private final List<Token> all;
        private final List<String> comments;
        private int pos;
        /** The text of the last comment skipped, or null. */
        private String lastComment;

        Parser(Tokens tokens) {
            this.all = tokens.list();
            this.comments = tokens.comments();
        }

        private Token peek() {
            skipComments();
            return pos < all.size() ? all.get(pos) : null;
        }

        private void skipComments() {
            while (pos < all.size() && all.get(pos).is('(')) {
                lastComment = comments.get(all.get(pos).comment());
                pos++;
            }
        }

        private Token next() {
            Token t = peek();
            if (t != null) {
                pos++;
            }
            return t;
        }

        List<Entry> entries() {
            List<Entry> out = new ArrayList<>();
            while (peek() != null) {
                if (peek().is(',') || peek().is(';') || peek().is('>')) {
                    next(); // empty list elements (obs-addr-list), a stray ';' or '>'
                    continue;
                }
                int before = pos;
                Entry e = entry(true);
                if (e != null) {
                    out.add(e);
                }
                if (pos == before) {
                    next(); // never stand still on garbage
                }
            }
            return out;
        }

        /** A mailbox or (if {@code groups}) a group; null when the tokens here make neither. */
        private Entry entry(boolean groups) {
            lastComment = null;
            List<Token> phrase = new ArrayList<>();
            while (peek() != null && (peek().word() || peek().is('.'))) {
                phrase.add(next());
            }
            Token t = peek();
            if (t != null && t.is('<')) {
                next();
                return angle(phrase.isEmpty() ? null : phraseText(phrase));
            }
            if (t != null && t.is(':') && groups && !phrase.isEmpty()) {
                next();
                List<Mailbox> members = new ArrayList<>();
                while (peek() != null && !peek().is(';')) {
                    if (peek().is(',')) {
                        next();
                        continue;
                    }
                    int before = pos;
                    if (entry(false) instanceof Mailbox m) {
                        members.add(m);
                    }
                    if (pos == before) {
                        next();
                    }
                }
                next(); // the ';'
                return new Group(phraseText(phrase), List.copyOf(members));
            }
            if (t != null && t.is('@') && !phrase.isEmpty()) {
                next();
                String domain = domain(); // leaves lastComment at a comment after the address: "u@x.org (Name)"
                return new Mailbox(blankToNull(lastComment), null, localPart(phrase), domain);
            }
            if (!phrase.isEmpty()) {
                return new Mailbox(null, null, localPart(phrase), null); // a local part alone
            }
            return null;
        }

        /** After '<': [route ':'] addr-spec '>'. */
        private Mailbox angle(String name) {
            String route = null;
            if (peek() != null && peek().is('@')) {
                StringBuilder r = new StringBuilder();
                while (peek() != null && (peek().is('@') || peek().is(','))) {
                    Token sep = next();
                    if (sep.is('@')) {
                        if (!r.isEmpty()) {
                            r.append(',');
                        }
                        r.append('@').append(domain());
                    }
                }
                if (peek() != null && peek().is(':')) {
                    next();
                }
                route = r.toString();
            }
            List<Token> local = new ArrayList<>();
            while (peek() != null && (peek().word() || peek().is('.'))) {
                local.add(next());
            }
            String domain = null;
            if (peek() != null && peek().is('@')) {
                next();
                domain = domain();
            }
            while (peek() != null && !peek().is('>') && !peek().is(',')) {
                next(); // junk before '>'
            }
            if (peek() != null && peek().is('>')) {
                next();
            }
            if (local.isEmpty() && domain == null) {
                return new Mailbox(name, route, "", null); // "<>": the null address
            }
            return new Mailbox(name, route, localPart(local), domain);
        }

        private String domain() {
            StringBuilder d = new StringBuilder();
            while (peek() != null) {
                Token t = peek();
                if (t.kind() == Kind.ATOM || t.kind() == Kind.LITERAL || t.is('.')) {
                    d.append(next().text());
                    lastComment = null; // only a comment after the last part counts
                } else {
                    break;
                }
            }
            return d.isEmpty() ? null : d.toString();
        }
    }

    private static String phraseText(List<Token> phrase) {
        StringBuilder sb = new StringBuilder();
        for (Token t : phrase) {
            if (t.is('.')) {
                sb.append('.');
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(t.text());
        }
        return sb.toString().strip();
    }

    /** The local part as it must be written: dot-atoms as they are, anything else quoted. */
    private static String localPart(List<Token> parts) {
        StringBuilder raw = new StringBuilder();
        boolean quoted = false;
        for (Token t : parts) {
            raw.append(t.text());
            quoted |= t.kind() == Kind.QUOTED;
        }
        String s = raw.toString();
        if (!quoted || s.matches("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")) {
            return s;
        }
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
