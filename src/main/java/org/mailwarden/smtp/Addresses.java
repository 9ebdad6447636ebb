package org.mailwarden.smtp;

import java.util.regex.Pattern;

/** Syntax checks for envelope addresses (RFC 5321 4.1.2, RFC 6531 for UTF-8). */
final class Addresses {

    private Addresses() {}

    // dot-atom local part (ASCII, or any non-ASCII when SMTPUTF8) or a quoted string
    private static final Pattern LOCAL = Pattern.compile(
            "([A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\P{ASCII}]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\P{ASCII}]+)*"
                    + "|\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\P{ASCII}]|\\\\[\\x20-\\x7e])*\")");
    private static final Pattern DOMAIN = Pattern.compile(
            "([A-Za-z0-9\\P{ASCII}]([A-Za-z0-9\\-\\P{ASCII}]*[A-Za-z0-9\\P{ASCII}])?"
                    + "(\\.[A-Za-z0-9\\P{ASCII}]([A-Za-z0-9\\-\\P{ASCII}]*[A-Za-z0-9\\P{ASCII}])?)*"
                    + "|\\[[^\\[\\]\\\\]+\\])");

    /**
     * True when {@code address} is local@domain with valid syntax (RFC 5321 limits: 64/255/254 octets). An SRS local
     * part (SRS0=/SRS1=, the original domain and local part inside) may be longer than 64 octets, as Postfix lets it
     * be: a bounce to a rewritten long address must still come back.
     */
    static boolean isValid(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.length() > 254) {
            return false;
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        return (local.length() <= 64 || org.mailwarden.srs.SrsCodec.looksSrs(local)) && domain.length() <= 255 && LOCAL.matcher(local).matches()
                && DOMAIN.matcher(domain).matches();
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
