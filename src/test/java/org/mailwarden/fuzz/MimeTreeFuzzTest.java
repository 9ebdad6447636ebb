package org.mailwarden.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The MIME structure parser behind BODYSTRUCTURE and BODY[section] ({@code imap.MimeTree}), with what FETCH does
 * with its result ({@code imap.FetchData}). A message of any bytes parses (the parser is lenient: it never fails,
 * a broken structure just comes out simpler); every part's byte range lies inside the message, in order; every
 * part's section resolves back to it and can be served (BODY[n], BODY[n.MIME], HEADER, TEXT); BODYSTRUCTURE and
 * ENVELOPE can be written.
 */
class MimeTreeFuzzTest {

    static final int MAX_INPUT = 64 * 1024;
    /** Parts visited per message: a message of many tiny parts is still checked quickly. */
    static final int MAX_PARTS = 1000;

    private static final String TREE = "org.mailwarden.imap.MimeTree";
    private static final String PART = TREE + "$Part";
    private static final MethodHandle PARSE = Internals.method(TREE, "parse", byte[].class);
    private static final MethodHandle RESOLVE = Internals.method(TREE, "resolve", 2);
    private static final MethodHandle HEADER_START = Internals.method(PART, "headerStart", 0);
    private static final MethodHandle BODY_START = Internals.method(PART, "bodyStart", 0);
    private static final MethodHandle END = Internals.method(PART, "end", 0);
    private static final MethodHandle CHILDREN = Internals.method(PART, "children", 0);
    private static final MethodHandle MESSAGE = Internals.method(PART, "message", 0);
    private static final MethodHandle MULTIPART = Internals.method(PART, "multipart", 0);
    private static final MethodHandle BODY_LINES = Internals.method(PART, "bodyLines", 0);
    private static final MethodHandle NEW_WRITER = Internals.constructor("org.mailwarden.imap.ImapWriter", 0);
    private static final String FETCH_DATA = "org.mailwarden.imap.FetchData";
    private static final MethodHandle STRUCTURE = Internals.method(FETCH_DATA, "structure", 3);
    private static final MethodHandle ENVELOPE = Internals.method(FETCH_DATA, "envelope", 2);
    private static final MethodHandle SECTION = Internals.method(FETCH_DATA, "section", 2);
    private static final MethodHandle NEW_SECTION = Internals.constructor("org.mailwarden.imap.FetchItem$Section", 7);

    @FuzzTest
    void message(byte[] data) throws Throwable {
        if (data.length > MAX_INPUT) {
            return;
        }
        Object root = PARSE.invoke(data);
        Check.that(root != null, () -> "MimeTree.parse returned null");
        Object writer = NEW_WRITER.invoke();
        STRUCTURE.invoke(writer, root, true);
        STRUCTURE.invoke(writer, root, false);
        ENVELOPE.invoke(writer, root);
        for (String text : List.of("", "HEADER", "TEXT")) {
            Check.that(section(root, new int[0], text) != null, () -> "no BODY[" + text + "] of the whole message");
        }
        walk(root, root, new ArrayList<>(), data.length, new int[] {MAX_PARTS});
    }

    /**
     * Checks {@code part}, which section {@code path} names, and the parts under it, numbered as
     * {@code MimeTree.resolve} numbers them (RFC 3501 6.4.5): a message/rfc822 part's numbers go to the message
     * inside it, a multipart's to its children, and 1 names the body of what is not multipart.
     */
    private static void walk(Object root, Object part, List<Integer> path, int size, int[] budget) throws Throwable {
        if (--budget[0] < 0) {
            return;
        }
        long headerStart = offset(HEADER_START.invoke(part));
        long bodyStart = offset(BODY_START.invoke(part));
        long end = offset(END.invoke(part));
        Check.that(0 <= headerStart && headerStart <= bodyStart && bodyStart <= end && end <= size,
                () -> "part " + path + " spans header " + headerStart + ", body " + bodyStart + ", end " + end
                        + " in a message of " + size + " bytes");
        Check.that((long) BODY_LINES.invoke(part) >= 0, () -> "negative line count in part " + path);
        int[] p = path.stream().mapToInt(Integer::intValue).toArray();
        Object inner = MESSAGE.invoke(part);
        if (p.length > 0) {
            Check.that(RESOLVE.invoke(root, p) == part, () -> "section " + path + " does not resolve to its part");
            Check.that(section(root, p, "") != null && section(root, p, "MIME") != null,
                    () -> "BODY[" + path + "] or BODY[" + path + ".MIME] cannot be served");
            Check.that((section(root, p, "HEADER") != null) == (inner != null)
                            && (section(root, p, "TEXT") != null) == (inner != null),
                    () -> "BODY[" + path + ".HEADER] and .TEXT are served exactly for a message/rfc822 part");
        }
        section(root, p, "HEADER.FIELDS");
        section(root, p, "HEADER.FIELDS.NOT");
        int[] beyond = Arrays.copyOf(p, p.length + 1);
        beyond[p.length] = Integer.MAX_VALUE;
        Check.that(RESOLVE.invoke(root, beyond) == null, () -> "a part number beyond the last resolves under " + path);

        Object next = p.length > 0 && inner != null ? inner : part;
        if ((boolean) MULTIPART.invoke(next)) {
            @SuppressWarnings("unchecked")
            List<Object> children = (List<Object>) CHILDREN.invoke(next);
            for (int i = 0; i < children.size(); i++) {
                path.add(i + 1);
                walk(root, children.get(i), path, size, budget);
                path.removeLast();
            }
        } else if (next != part) {
            path.add(1);
            walk(root, next, path, size, budget);
            path.removeLast();
        }
    }

    /** A position in the message ({@code MimeTree.Pos}) as an offset into the bytes parsed. */
    private static long offset(Object pos) throws Throwable {
        java.lang.reflect.Method file = pos.getClass().getDeclaredMethod("file");
        file.setAccessible(true);
        return (long) file.invoke(pos);
    }

    /**
     * BODY.PEEK[path.text] as FETCH serves it, a range of the message or octets made for it (null: the section does
     * not exist); a range must not run backwards.
     */
    private static Object section(Object root, int[] path, String text) throws Throwable {
        List<String> fields = text.startsWith("HEADER.FIELDS") ? List.of("FROM", "SUBJECT") : List.of();
        Object s = NEW_SECTION.invoke("BODY[]", true, path, text, fields, -1L, 0L);
        Object content = SECTION.invoke(root, s);
        if (content != null) {
            java.lang.reflect.Method sizeOf = content.getClass().getMethod("size");
            sizeOf.setAccessible(true);
            long size = (long) sizeOf.invoke(content);
            Check.that(size >= 0, () -> "a section of negative size: " + content);
        }
        return content;
    }
}
