package org.mailwarden.mailauth.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash of a canonicalized body (RFC 6376 3.4.3, 3.4.4, 3.7), computed as the body streams past: nothing but a
 * few counters is held, so a body of any size costs constant memory. Lines end in CRLF (a bare LF is taken as a line
 * end too). With a length limit (l=) only the first {@code limit} canonical octets are hashed; the canonical length
 * is still counted, so a caller can tell whether content lies past the limit or the limit exceeds the body.
 */
public final class BodyHash {

    private final Canonicalization canon;
    private final long limit;
    private final MessageDigest digest;
    private final byte[] out = new byte[8192];
    private int outLen;
    private long length;
    private long pendingCrlf;
    private boolean pendingWsp;
    private boolean sawCr;
    private boolean emitted;
    private byte[] result;

    /** @param limit the l= value, or -1 for the whole body */
    public BodyHash(Canonicalization canon, long limit) {
        this.canon = canon;
        this.limit = limit;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Canonicalization canonicalization() {
        return canon;
    }

    public long limit() {
        return limit;
    }

    public void update(byte[] b, int off, int len) {
        boolean relaxed = canon == Canonicalization.RELAXED;
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            boolean wsp = c == ' ' || c == '\t';
            boolean plain = c != '\r' && c != '\n' && !(relaxed && wsp);
            if (pendingCrlf == 0 && !sawCr && limit < 0 && (plain || relaxed && wsp)) { // the common cases, inline
                if (!plain) {
                    pendingWsp = true; // relaxed: a run of white space becomes one SP before the next content
                    continue;
                }
                if (pendingWsp) {
                    pendingWsp = false;
                    out[outLen++] = ' ';
                    length++;
                    if (outLen == out.length) {
                        digest.update(out, 0, outLen);
                        outLen = 0;
                    }
                }
                out[outLen++] = c;
                length++;
                emitted = true;
                if (outLen == out.length) {
                    digest.update(out, 0, outLen);
                    outLen = 0;
                }
            } else {
                accept(c);
            }
        }
    }

    private void accept(byte c) {
        if (sawCr) {
            sawCr = false;
            if (c == '\n') {
                endLine();
                return;
            }
            content((byte) '\r');
        }
        if (c == '\r') {
            sawCr = true;
        } else if (c == '\n') {
            endLine();
        } else if (canon == Canonicalization.RELAXED && (c == ' ' || c == '\t')) {
            pendingWsp = true;
        } else {
            content(c);
        }
    }

    private void endLine() {
        pendingWsp = false; // relaxed: white space at the end of a line is removed
        pendingCrlf++; // empty lines are held back: those at the end of the body are not hashed
    }

    private void content(byte c) {
        for (; pendingCrlf > 0; pendingCrlf--) {
            emit((byte) '\r');
            emit((byte) '\n');
        }
        if (pendingWsp) {
            emit((byte) ' ');
            pendingWsp = false;
        }
        emit(c);
        emitted = true;
    }

    private void emit(byte c) {
        length++;
        if (limit >= 0 && length > limit) {
            return;
        }
        out[outLen++] = c;
        if (outLen == out.length) {
            digest.update(out, 0, outLen);
            outLen = 0;
        }
    }

    /** Ends the body; returns the hash. */
    public byte[] finish() {
        if (result != null) {
            return result;
        }
        if (sawCr) {
            sawCr = false;
            content((byte) '\r');
        }
        // the last line ends in CRLF; an empty body is CRLF in simple and empty in relaxed
        if (emitted || canon == Canonicalization.SIMPLE) {
            emit((byte) '\r');
            emit((byte) '\n');
        }
        digest.update(out, 0, outLen);
        outLen = 0;
        result = digest.digest();
        return result;
    }

    /** The length of the canonical body (valid after {@link #finish}). */
    public long canonicalLength() {
        return length;
    }

    /** Whether the limit left canonical content unhashed. */
    public boolean partlyCovered() {
        return limit >= 0 && length > limit;
    }

    /** Whether the limit is longer than the canonical body. */
    public boolean limitBeyondBody() {
        return limit >= 0 && limit > length;
    }

    /** Streams the rest of {@code body} through every hash and finishes them. */
    public static void feed(InputStream body, java.util.Collection<BodyHash> hashes) throws IOException {
        byte[] buf = new byte[16384];
        int n;
        while ((n = body.read(buf)) > 0) {
            for (BodyHash h : hashes) {
                h.update(buf, 0, n);
            }
        }
        for (BodyHash h : hashes) {
            h.finish();
        }
    }
}
