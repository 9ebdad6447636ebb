package org.mailwarden.store;

import java.util.Comparator;
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

    /**
     * Orders base names as the messages arrived, for giving out UIDs: by the seconds, then the microseconds
     * ({@code M}) and the delivery counter ({@code Q}) of the usual {@code <secs>.M<usecs>P<pid>Q<n>.<host>}
     * names, compared as numbers (as text, M99 would sort after M100), then by the whole name. Names of
     * another shape sort by their text after the ones that parse. To sort many names, compute each one's
     * {@link #deliveryKey} once, as {@link Maildirs#sortInDeliveryOrder} does.
     */
    public static final Comparator<String> DELIVERY_ORDER = Comparator.comparing(MaildirFileName::deliveryKey);

    /** A base name's place in {@link #DELIVERY_ORDER}; Long.MAX_VALUE for what the name does not say. */
    public record DeliveryKey(long seconds, long micros, long counter, String baseName)
            implements Comparable<DeliveryKey> {
        private static final Comparator<DeliveryKey> ORDER = Comparator.comparingLong(DeliveryKey::seconds)
                .thenComparingLong(DeliveryKey::micros).thenComparingLong(DeliveryKey::counter)
                .thenComparing(DeliveryKey::baseName);

        @Override
        public int compareTo(DeliveryKey other) {
            return ORDER.compare(this, other);
        }
    }

    public static DeliveryKey deliveryKey(String base) {
        int dot = base.indexOf('.');
        if (dot <= 0) {
            return new DeliveryKey(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, base);
        }
        int end = base.indexOf('.', dot + 1);
        String middle = base.substring(dot + 1, end < 0 ? base.length() : end);
        return new DeliveryKey(number(base, 0, dot), field(middle, 'M'), field(middle, 'Q'), base);
    }

    /** The digits after {@code letter} in a name's middle part (M123P45Q6). */
    private static long field(String middle, char letter) {
        for (int i = 0; i < middle.length(); i++) {
            if (middle.charAt(i) == letter) {
                int j = i + 1;
                while (j < middle.length() && Character.isDigit(middle.charAt(j))) {
                    j++;
                }
                return number(middle, i + 1, j);
            }
        }
        return Long.MAX_VALUE;
    }

    private static long number(String s, int from, int to) {
        if (to <= from || to - from > 18) {
            return Long.MAX_VALUE;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return Long.MAX_VALUE;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

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
