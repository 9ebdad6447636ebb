package org.mailwarden.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.mailwarden.gate.ProxyHeader;
import org.mailwarden.gate.ProxyProtocol;
import org.mailwarden.gate.ProxyProtocolException;

/**
 * The PROXY protocol header (HAProxy v1 text and v2 binary), as a listener reads it from a proxy's connection.
 * {@link ProxyProtocol#read} either returns a header, having read exactly its bytes (v1 up to its CRLF, v2 its 16
 * bytes and the announced length), or throws {@link ProxyProtocolException}. The addresses read survive being
 * encoded again, as v2 and as v1.
 */
class ProxyProtocolFuzzTest {

    static final int MAX_INPUT = 4 * 1024;

    @FuzzTest
    void header(byte[] data) throws IOException {
        if (data.length > MAX_INPUT) {
            return;
        }
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        ProxyHeader h;
        try {
            h = ProxyProtocol.read(in);
        } catch (ProxyProtocolException e) {
            return;
        }
        int consumed = data.length - in.available();
        int expected = h.version() == 1 ? v1Length(data) : 16 + (((data[14] & 0xff) << 8) | (data[15] & 0xff));
        Check.that(consumed == expected,
                () -> "read " + consumed + " bytes of a " + expected + "-byte v" + h.version() + " header");
        Check.that((h.source() == null) == (h.destination() == null), () -> "one address without the other: " + h);
        if (h.hasClient()) {
            roundTrip(h, ProxyProtocol.v2(h.source(), h.destination()));
            roundTrip(h, ProxyProtocol.v1(h.source(), h.destination()));
        }
    }

    private static void roundTrip(ProxyHeader h, byte[] encoded) throws IOException {
        ProxyHeader again = ProxyProtocol.read(new ByteArrayInputStream(encoded));
        Check.that(h.source().equals(again.source()) && h.destination().equals(again.destination()),
                () -> "encoding " + h + " and reading it back gave " + again);
    }

    private static int v1Length(byte[] data) {
        for (int i = 1; i < data.length; i++) {
            if (data[i] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }
}
