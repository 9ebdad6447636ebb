package org.mailwarden.tls;

/**
 * The configured TLS material cannot be used. The message always starts with the offending file (or
 * directory) and says what is wrong with it, because it is shown as-is to the operator at start-up.
 */
public class TlsConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TlsConfigException(String message) {
        super(message);
    }

    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
