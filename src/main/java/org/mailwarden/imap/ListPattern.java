package org.mailwarden.imap;

import org.mailwarden.store.Mailboxes;

/** LIST and LSUB patterns (RFC 3501 6.3.8). */
final class ListPattern {

    private static final char DELIMITER = Mailboxes.DELIMITER;

    private ListPattern() {}

    /**
     * LIST pattern (RFC 3501 6.3.8): '*' matches anything, '%' anything but the delimiter; INBOX any case. Matched
     * in O(pattern x name) steps with one row of states, never by backtracking: "**********x" against a long name
     * took a regex 45 s of CPU.
     */
    static boolean matches(String pattern, String name) {
        boolean anyCase = name.equals("INBOX");
        int n = name.length();
        boolean[] reach = new boolean[n + 1]; // reach[j]: the pattern so far matches name[0, j)
        reach[0] = true;
        for (int i = 0; i < pattern.length(); i++) {
            char p = pattern.charAt(i);
            boolean[] next = new boolean[n + 1];
            boolean run = false;
            for (int j = 0; j <= n; j++) {
                switch (p) {
                    case '*' -> {
                        run |= reach[j];
                        next[j] = run;
                    }
                    case '%' -> {
                        if (j > 0 && name.charAt(j - 1) == DELIMITER) {
                            run = false; // '%' stops at the hierarchy delimiter
                        }
                        run |= reach[j];
                        next[j] = run;
                    }
                    default -> {
                        if (j < n && reach[j] && same(p, name.charAt(j), anyCase)) {
                            next[j + 1] = true;
                        }
                    }
                }
            }
            reach = next;
        }
        return reach[n];
    }

    private static boolean same(char a, char b, boolean anyCase) {
        return a == b || anyCase && Character.toUpperCase(a) == Character.toUpperCase(b);
    }
}
