package org.mailwarden.imap;

import java.util.ArrayList;
import java.util.List;

/**
 * An IMAP sequence set (RFC 3501 9, {@code sequence-set}): ranges of message numbers or UIDs, where {@code *} is
 * the largest number in use. {@code *} is stored as {@link #STAR} and resolved when the set is applied.
 */
record SequenceSet(List<Range> ranges) {

    static final long STAR = Long.MAX_VALUE;

    record Range(long from, long to) {}

    static SequenceSet parse(String s) {
        List<Range> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            int colon = part.indexOf(':');
            long a = number(colon < 0 ? part : part.substring(0, colon));
            long b = colon < 0 ? a : number(part.substring(colon + 1));
            out.add(new Range(a, b));
        }
        return new SequenceSet(List.copyOf(out));
    }

    private static long number(String n) {
        if (n.equals("*")) {
            return STAR;
        }
        if (n.isEmpty() || n.length() > 10 || !n.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("invalid sequence set number: " + n);
        }
        long v = Long.parseLong(n);
        if (v == 0 || v > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("sequence numbers and UIDs are 1 to 4294967295");
        }
        return v;
    }

    /** Whether {@code n} is in the set, with {@code *} meaning {@code max} (ranges may be given high:low). */
    boolean contains(long n, long max) {
        for (Range r : ranges) {
            long a = r.from() == STAR ? max : r.from();
            long b = r.to() == STAR ? max : r.to();
            if (n >= Math.min(a, b) && n <= Math.max(a, b)) {
                return true;
            }
        }
        return false;
    }

    /** Renders a sorted list of numbers compactly (1:3,7), for COPYUID and APPENDUID. */
    static String format(List<Long> numbers) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < numbers.size()) {
            int j = i;
            while (j + 1 < numbers.size() && numbers.get(j + 1) == numbers.get(j) + 1) {
                j++;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(numbers.get(i));
            if (j > i) {
                sb.append(':').append(numbers.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
