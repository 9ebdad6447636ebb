package org.mailwarden.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/** "Has the server closed the connection?" for every test client: end of stream, or a reset, counts as closed. */
public final class ServerClose {

    private ServerClose() {}

    /** True when the next read finds the connection closed; false when the server sent another byte instead. */
    public static boolean closedByServer(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true; // reset: closed too
        }
    }

    /**
     * Reads until the server closes the connection (a TLS alert or the rest of a reply may come first) and returns
     * what came; fails when the socket's read timeout runs out first (the server never closed).
     */
    public static byte[] untilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) >= 0) {
                b.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server did not close the connection; got: " + b);
        } catch (SocketException e) {
            // reset: closed
        }
        return b.toByteArray();
    }
}
