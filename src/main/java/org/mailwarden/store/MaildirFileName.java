package org.mailwarden.store;

import java.util.OptionalLong;

/**
 * A parsed Maildir file name: {@code <base>[,S=<size>][,W=<vsize>][:2,<flags>]}.
 *
 * @param baseName    the unique part before the info separator ':', including any ",S=" / ",W=" fields
 * @param size        the S= field: file size on disk (Dovecot extension), if present
 * @param virtualSize the W= field: size with CRLF line ends, i.e. RFC822.SIZE (Dovecot extension), if present
 * @param flags       the flags after ":2," in the order stored (maildir spec: D draft, F flagged, P passed,
 *                    R replied, S seen, T trashed; Dovecot keywords as a-z); empty when there is no info
 */
public record MaildirFileName(String baseName, OptionalLong size, OptionalLong virtualSize, String flags) {

    /** Info separator of the maildir spec; messages in new/ normally have no info part. */
    static final char INFO_SEPARATOR = ':';

    public static MaildirFileName parse(String fileName) {
        int colon = fileName.indexOf(INFO_SEPARATOR);
        String base = colon < 0 ? fileName : fileName.substring(0, colon);
        String flags = "";
        if (colon >= 0 && fileName.startsWith("2,", colon + 1)) {
            flags = fileName.substring(colon + 3);
        }
        OptionalLong size = OptionalLong.empty();
        OptionalLong vsize = OptionalLong.empty();
        // Fields follow the first ','; the unique part itself never contains one.
        int comma = base.indexOf(',');
        while (comma >= 0) {
            int end = base.indexOf(',', comma + 1);
            String field = base.substring(comma + 1, end < 0 ? base.length() : end);
            if (field.startsWith("S=")) {
                size = parseSize(field.substring(2));
            } else if (field.startsWith("W=")) {
                vsize = parseSize(field.substring(2));
            }
            comma = end;
        }
        return new MaildirFileName(base, size, vsize, flags);
    }

    public boolean hasFlag(char flag) {
        return flags.indexOf(flag) >= 0;
    }

    private static OptionalLong parseSize(String digits) {
        try {
            long v = Long.parseLong(digits);
            return v >= 0 ? OptionalLong.of(v) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // someone else's extension; not fatal
        }
    }
}
