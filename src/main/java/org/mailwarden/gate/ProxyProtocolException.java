package org.mailwarden.gate;

import java.io.IOException;

/** A missing, garbled, truncated or over-long PROXY protocol header: the connection is closed. */
public final class ProxyProtocolException extends IOException {
    public ProxyProtocolException(String message) {
        super(message);
    }
}
