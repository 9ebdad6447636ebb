package org.mailwarden.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import org.mailwarden.smtp.SmtpCommand;

/**
 * The SMTP command line parser. A line (as {@code SmtpSession} hands it over: up to its LF, trailing CR, LF and
 * spaces cut, UTF-8) always parses into a command; a known verb with bad arguments is {@link SmtpCommand.Invalid},
 * never an exception. The reverse paths and forward paths of MAIL and RCPT then go through the envelope address
 * checks the session applies ({@code smtp.Addresses}), which answer and never throw either.
 */
class SmtpCommandFuzzTest {

    static final int MAX_INPUT = 8 * 1024;

    private static final String ADDRESSES = "org.mailwarden.smtp.Addresses";
    private static final MethodHandle IS_VALID = Internals.method(ADDRESSES, "isValid", 1);
    private static final MethodHandle IS_ASCII = Internals.method(ADDRESSES, "isAscii", 1);

    @FuzzTest
    void commandLine(byte[] data) throws Throwable {
        if (data.length > MAX_INPUT) {
            return;
        }
        int n = 0;
        while (n < data.length && data[n] != '\n') {
            n++;
        }
        while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == ' ')) {
            n--;
        }
        SmtpCommand c = SmtpCommand.parse(new String(data, 0, n, StandardCharsets.UTF_8));
        String path = switch (c) {
            case null -> throw new AssertionError("parse returned null");
            case SmtpCommand.Mail m -> m.path();
            case SmtpCommand.Rcpt r -> r.path();
            default -> null;
        };
        if (path != null) {
            boolean valid = (boolean) IS_VALID.invoke(path);
            boolean ascii = (boolean) IS_ASCII.invoke(path);
            if (valid && ascii) {
                int at = path.lastIndexOf('@');
                Check.that(at > 0 && at < path.length() - 1, () -> "a valid address without a domain: " + path);
            }
        }
    }
}
