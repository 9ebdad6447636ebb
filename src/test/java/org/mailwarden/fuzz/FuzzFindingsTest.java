package org.mailwarden.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the fuzz targets (or probing while writing them) found, kept as plain tests: each feeds the input that
 * broke a parser and checks that the parser now answers (a value, or its own documented error) instead of e.g.
 * overflowing the stack.
 */
class FuzzFindingsTest {

    /** A domain of 6,000 labels (12 KB): one line of a table, or of a header where lines may be that long. */
    private static final String DEEP_DOMAIN = "a.".repeat(6_000) + "example";

    private static final String ADDRESSES = "org.mailwarden.directory.Addresses";
    private static final MethodHandle IS_ADDRESS = Internals.method(ADDRESSES, "isAddress", 1);
    private static final MethodHandle PARSE_TABLES = Internals.method("org.mailwarden.directory.ConfigParser",
            "parse", 4);
    private static final MethodHandle PROBLEMS = Internals.method("org.mailwarden.directory.ConfigSnapshot",
            "problems", 0);

    /**
     * directory.Addresses checked a domain with "label(\.label)*", which java.util.regex matches recursively, one
     * level per label: from about 5,000 labels on, StackOverflowError came out of ConfigParser.parse (documented
     * never to throw: one such line in postfix-virtual.cf failed every reload, and so every lookup, instead of
     * being skipped) and out of the directory's lookups (spoof protection's check of a From address).
     */
    @Test
    void aDomainOfThousandsOfLabelsIsCheckedWithoutOverflowingTheStack() throws Throwable {
        assertThat((boolean) IS_ADDRESS.invoke("user@" + DEEP_DOMAIN)).isTrue();
        assertThat((boolean) IS_ADDRESS.invoke("user@" + DEEP_DOMAIN + "..org")).isFalse();
        assertThat((boolean) IS_ADDRESS.invoke("user@" + DEEP_DOMAIN + ".")).isFalse();

        Object snapshot = PARSE_TABLES.invoke("user@" + DEEP_DOMAIN + "|{PLAIN}secret\n",
                "alias@" + DEEP_DOMAIN + " user@" + DEEP_DOMAIN + "\n", "", Set.of());
        assertThat((List<?>) PROBLEMS.invoke(snapshot)).isEmpty();
        assertThat(snapshot.toString()).contains("alias@" + DEEP_DOMAIN);

        byte[] table = ("alias@" + DEEP_DOMAIN + " user@" + DEEP_DOMAIN + ".\n").getBytes(StandardCharsets.UTF_8);
        assertThatCode(() -> new ConfigFuzzTest().postfixTables(table)).doesNotThrowAnyException();
        byte[] header = ("From: user@" + DEEP_DOMAIN + "\r\nSubject: x\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        assertThatCode(() -> new AddressFuzzTest().header(header)).doesNotThrowAnyException();
    }
}
