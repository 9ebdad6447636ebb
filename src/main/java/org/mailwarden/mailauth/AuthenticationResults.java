package org.mailwarden.mailauth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes an Authentication-Results field value (RFC 8601 2.2): our authserv-id, then one {@code method=result}
 * clause per check with its properties and an optional comment, folded one clause per line; and reads the
 * authserv-id an existing field claims, to find forgeries (RFC 8601 5).
 */
public final class AuthenticationResults {

    private final String authservId;
    private final List<String> clauses = new ArrayList<>();

    public AuthenticationResults(String authservId) {
        this.authservId = authservId;
    }

    /**
     * Adds {@code method=result [(comment)] ptype.property=value...}; {@code props} alternate names and values, a
     * null value leaves that property out.
     */
    public AuthenticationResults add(String method, String result, String comment, String... props) {
        StringBuilder b = new StringBuilder(method).append('=').append(result);
        if (comment != null && !comment.isBlank()) {
            b.append(" (").append(comment(comment)).append(')');
        }
        for (int i = 0; i + 1 < props.length; i += 2) {
            if (props[i + 1] != null && !props[i + 1].isEmpty()) {
                b.append(' ').append(props[i]).append('=').append(value(props[i + 1]));
            }
        }
        clauses.add(b.toString());
        return this;
    }

    public boolean isEmpty() {
        return clauses.isEmpty();
    }

    /** The field value, folded: {@code id;} then CRLF TAB before each clause; {@code id; none} without any. */
    public String value() {
        if (clauses.isEmpty()) {
            return authservId + "; none";
        }
        return authservId + ";\r\n\t" + String.join(";\r\n\t", clauses);
    }

    /** The value on one line (for the ARC-Authentication-Results of a seal and the log). */
    public String unfolded() {
        return clauses.isEmpty() ? authservId + "; none" : authservId + "; " + String.join("; ", clauses);
    }

    /**
     * The authserv-id an Authentication-Results value starts with (comments and folding skipped), lower case;
     * empty when there is none.
     */
    public static String authservIdOf(String value) {
        int i = skipCfws(value, 0);
        int start = i;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == ';' || c == '(' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                break;
            }
            i++;
        }
        String id = value.substring(start, i);
        if (id.length() >= 2 && id.startsWith("\"") && id.endsWith("\"")) {
            id = id.substring(1, id.length() - 1);
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static int skipCfws(String s, int i) {
        int depth = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (depth > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
            } else if (c == '(') {
                depth++;
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return i;
            }
            i++;
        }
        return i;
    }

    /** A comment's text with its specials escaped and line breaks gone. */
    static String comment(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c == '(' || c == ')' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < ' ' || c == 127) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * A property value: as it is when it is a token or an address of atoms (RFC 8601 2.2 pvalue); otherwise
     * quoted, with quotes and backslashes escaped.
     */
    static String value(String v) {
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = c > ' ' && c < 127 && "()<>,;:\\\"[]".indexOf(c) < 0;
        }
        if (plain) {
            return v;
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c < ' ' ? ' ' : c);
        }
        return b.append('"').toString();
    }
}
