package org.mailwarden.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.mailwarden.directory.AccountFiles;
import org.mailwarden.directory.PasswordHashes;

/**
 * Where a new password comes from: the terminal without echo (typed twice), else one line of standard input
 * (scripts: {@code echo pw | mailwarden email add x@y}), else, for docker-mailserver compatibility, the command
 * line, with a warning since anyone on the machine can read it from the process list.
 */
final class Passwords {
    private Passwords() {}

    /** The hash of the new password; the clear text is wiped before returning. */
    static String newPasswordHash(String address, String positional, PrintWriter err) throws IOException {
        char[] password = read(address, positional, err);
        try {
            if (password.length == 0) {
                throw new IllegalArgumentException("the password is empty");
            }
            return PasswordHashes.hash(password);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static char[] read(String address, String positional, PrintWriter err) throws IOException {
        if (positional != null) {
            err.println("mailwarden: warning: a password given as an argument is visible to every user in the "
                    + "process list and stays in your shell history; omit it to be prompted, or pipe it on stdin");
            err.flush();
            return positional.toCharArray();
        }
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            char[] first = console.readPassword("Password for %s: ", address);
            char[] second = first == null ? null : console.readPassword("Repeat the password: ");
            if (first == null || second == null) {
                throw new IllegalArgumentException("no password entered");
            }
            boolean same = Arrays.equals(first, second);
            Arrays.fill(second, '\0');
            if (!same) {
                Arrays.fill(first, '\0');
                throw new AccountFiles.Refused("the passwords do not match; nothing was changed");
            }
            return first;
        }
        return readLine(System.in);
    }

    /** One line of stdin, without its line ending. Reads byte by byte so nothing after the line is consumed. */
    static char[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        boolean any = false;
        while ((c = in.read()) >= 0) {
            any = true;
            if (c == '\n') {
                break;
            }
            line.write(c);
        }
        if (!any) {
            throw new IllegalArgumentException("no password: none on the command line, no terminal to ask on, "
                    + "and nothing on standard input (e.g. printf '%s\\n' \"$PW\" | mailwarden email add ...)");
        }
        byte[] bytes = line.toByteArray();
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\r') {
            n--;
        }
        java.nio.CharBuffer chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(bytes, 0, n));
        char[] exact = new char[chars.remaining()];
        chars.get(exact);
        Arrays.fill(bytes, (byte) 0);
        if (chars.hasArray()) {
            Arrays.fill(chars.array(), '\0');
        }
        return exact;
    }

    /** Asks on the terminal; false when there is none (the caller then refuses without -y). */
    static boolean confirm(String question) {
        Console console = System.console();
        if (console == null || !console.isTerminal()) {
            throw new IllegalArgumentException("refusing to " + question + " without confirmation: there is no "
                    + "terminal to ask on; pass -y to confirm");
        }
        String answer = console.readLine("%s? [y/N] ", Character.toUpperCase(question.charAt(0)) + question.substring(1));
        return answer != null && answer.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y");
    }
}
