package org.mailwarden.directory;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One postfix-regexp.cf line: {@code /pattern/flags result} or the negated {@code !/pattern/flags result}.
 * Like Postfix, the pattern is searched for anywhere in the address (anchor it with ^ and $ to match the whole)
 * and {@code $1}..{@code $9} (also {@code ${n}} and {@code $(n)}) in the result are replaced by groups;
 * {@code $$} is a literal dollar.
 */
record RegexpRule(Pattern pattern, boolean negated, String result, int line) {

    /** The result with groups substituted, if the rule applies to this (lower-case) address. */
    Optional<String> apply(String address) {
        Matcher m = pattern.matcher(address);
        boolean found = m.find();
        if (negated) {
            return found ? Optional.empty() : Optional.of(substitute(result, 0, n -> "")); // no groups when negated
        }
        if (!found) {
            return Optional.empty();
        }
        return Optional.of(substitute(result, m.groupCount(), n -> m.group(n) == null ? "" : m.group(n)));
    }

    interface Groups {
        String group(int n);
    }

    /**
     * Expands $n references in a result template. Throws IllegalArgumentException for a malformed reference or
     * one beyond the pattern's groups; the parser calls this once at load time so that apply() never does.
     */
    static String substitute(String template, int groupCount, Groups groups) {
        StringBuilder out = new StringBuilder(template.length());
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '$') {
                out.append(c);
                continue;
            }
            if (i + 1 >= template.length()) {
                throw new IllegalArgumentException("'$' at end of result");
            }
            char next = template.charAt(i + 1);
            int n;
            if (next == '$') {
                out.append('$');
                i++;
                continue;
            } else if (next >= '1' && next <= '9') {
                n = next - '0';
                i++;
            } else if (next == '{' || next == '(') {
                char close = next == '{' ? '}' : ')';
                int end = template.indexOf(close, i + 2);
                if (end < 0 || !template.substring(i + 2, end).matches("[1-9][0-9]?")) {
                    throw new IllegalArgumentException("malformed group reference in result");
                }
                n = Integer.parseInt(template.substring(i + 2, end));
                i = end;
            } else {
                throw new IllegalArgumentException("'$' must be followed by a group number 1-9 or '$'");
            }
            if (n > groupCount) {
                throw new IllegalArgumentException("result refers to $" + n + " but the pattern has "
                        + groupCount + " group(s)");
            }
            out.append(groups.group(n));
        }
        return out.toString();
    }
}
