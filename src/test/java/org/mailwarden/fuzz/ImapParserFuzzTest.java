package org.mailwarden.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The IMAP command parser with its input, as {@code ImapSession} runs them: {@code ImapInput} cuts the client's
 * bytes into commands (lines, and the octets of {n} and {n+} literals), {@code ImapParser} turns each into a
 * tagged command. Every read is a command, an over-long line, an over-big literal, abuse or the end; every parse
 * is a tagged command, bad syntax being {@code ImapCommand.Invalid} (BAD), never an exception. The line limit is
 * the server's default (64 KiB, so nesting as deep as a real client can send); the literal limit is small so that
 * the fuzzer reaches both sides of it.
 */
class ImapParserFuzzTest {

    static final int MAX_INPUT = 64 * 1024;
    static final int MAX_LINE = 65536;
    static final long MAX_LITERAL = 16 * 1024;

    private static final String INPUT = "org.mailwarden.imap.ImapInput";
    private static final MethodHandle NEW_INPUT = Internals.constructor(INPUT, 4);
    private static final MethodHandle READ = Internals.method(INPUT, "read", 1);
    private static final Object CONTINUATION = Internals.noOp(INPUT + "$Continuation");
    private static final Class<?> COMMAND = Internals.type(INPUT + "$Read$Command");
    private static final MethodHandle PARTS = Internals.method(INPUT + "$Read$Command", "parts", 0);
    private static final Class<?> TOO_LONG = Internals.type(INPUT + "$Read$TooLong");
    private static final Class<?> TOO_BIG = Internals.type(INPUT + "$Read$TooBig");
    private static final MethodHandle NON_SYNC = Internals.method(INPUT + "$Read$TooBig", "nonSync", 0);
    private static final MethodHandle PARSE = Internals.method("org.mailwarden.imap.ImapParser", "parse", 1);
    private static final MethodHandle TAG = Internals.method("org.mailwarden.imap.ImapCommand$Tagged", "tag", 0);
    private static final MethodHandle COMMAND_OF = Internals.method("org.mailwarden.imap.ImapCommand$Tagged",
            "command", 0);

    @FuzzTest
    void commands(byte[] data) throws Throwable {
        if (data.length > MAX_INPUT) {
            return;
        }
        Runnable beforeBlocking = () -> { };
        Object input = NEW_INPUT.invoke(new ByteArrayInputStream(data), MAX_LINE, MAX_LITERAL, beforeBlocking);
        // every read consumes at least one byte or ends, so this bound is never reached by a working reader
        for (int reads = 0; reads <= data.length; reads++) {
            Object read = READ.invoke(input, CONTINUATION);
            Check.that(read != null, () -> "ImapInput.read returned null");
            if (COMMAND.isInstance(read)) {
                @SuppressWarnings("unchecked")
                List<Object> parts = (List<Object>) PARTS.invoke(read);
                Object tagged = PARSE.invoke(parts);
                Check.that(tagged != null && TAG.invoke(tagged) != null && COMMAND_OF.invoke(tagged) != null,
                        () -> "ImapParser.parse gave no tag or no command for " + parts);
            } else if (TOO_BIG.isInstance(read)) {
                if ((boolean) NON_SYNC.invoke(read)) {
                    return; // the session says BYE: the octets on their way cannot be told from commands
                }
            } else if (!TOO_LONG.isInstance(read)) {
                return; // End, or Abusive (BYE)
            }
        }
        throw new AssertionError("ImapInput.read went on past the end of " + data.length + " bytes");
    }
}
