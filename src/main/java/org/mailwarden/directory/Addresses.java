package org.mailwarden.directory;

import java.util.regex.Pattern;

/** The little address syntax the directory needs: user@domain, lower case, no quoting. */
final class Addresses {

    // Deliberately loose on the local part (anything but separators), strict enough on the domain to catch typos.
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s,|]+@[^@\\s,|]+");
    // One label at a time: a repeated group, (\.label)*, recurses once per label in java.util.regex, and a few
    // thousand labels (a long line in a table, a folded From header) overflowed the stack.
    private static final Pattern LABEL = Pattern.compile("[\\p{L}\\p{N}_-]+");

    private Addresses() {}

    static boolean isAddress(String s) {
        return ADDRESS.matcher(s).matches() && isDomain(domain(s));
    }

    static boolean isDomain(String s) {
        for (String label : s.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /* The local part and the domain split at the last '@': a domain never holds one, a quoted local part may. */

    static String localPart(String address) {
        return address.substring(0, address.lastIndexOf('@'));
    }

    static String domain(String address) {
        return address.substring(address.lastIndexOf('@') + 1);
    }
}
