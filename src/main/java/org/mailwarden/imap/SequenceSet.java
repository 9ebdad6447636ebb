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

    /**
     * The set's ranges with {@code *} as {@code max}, each low to high, sorted and merged: for walking the set
     * alongside a sorted list.
     */
    List<Range> normalized(long max) {
        List<Range> sorted = new ArrayList<>();
        for (Range r : ranges) {
            long a = r.from() == STAR ? max : r.from();
            long b = r.to() == STAR ? max : r.to();
            sorted.add(new Range(Math.min(a, b), Math.max(a, b)));
        }
        sorted.sort((x, y) -> Long.compare(x.from(), y.from()));
        List<Range> out = new ArrayList<>();
        for (Range r : sorted) {
            Range last = out.isEmpty() ? null : out.getLast();
            if (last != null && r.from() <= last.to() + 1) {
                out.set(out.size() - 1, new Range(last.from(), Math.max(last.to(), r.to())));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** Renders a list of numbers compactly (1:3,7), in the order given, for COPYUID, APPENDUID and MODIFIED. */
    static String format(List<Long> numbers) {
        Builder b = new Builder();
        for (long n : numbers) {
            b.add(n);
        }
        return b.toString();
    }

    /** Writes a set compactly as numbers and ranges are added: a run of consecutive numbers becomes "a:b". */
    static final class Builder {
        private final StringBuilder sb = new StringBuilder();
        private long from = -1;
        private long to = -1;

        Builder add(long n) {
            return add(n, n);
        }

        /** Adds {@code from:to} ({@code from <= to}). */
        Builder add(long a, long b) {
            if (from >= 0 && a == to + 1) {
                to = b;
                return this;
            }
            flush();
            from = a;
            to = b;
            return this;
        }

        private void flush() {
            if (from < 0) {
                return;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(from);
            if (to > from) {
                sb.append(':').append(to);
            }
            from = -1;
        }

        boolean isEmpty() {
            return from < 0 && sb.isEmpty();
        }

        @Override
        public String toString() {
            flush();
            return sb.toString();
        }
    }
}
