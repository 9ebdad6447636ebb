package org.mailwarden.gate;

import java.io.IOException;
import java.io.OutputStream;

/** A protocol server: runs one connection to its end, on the connection's own virtual thread. */
public interface ConnectionHandler {

    void handle(Connection connection) throws IOException;

    /** Writes this protocol's "go away" greeting (e.g. SMTP 421) to a refused client before it is closed. */
    void refuse(OutputStream out, String reason) throws IOException;

    /** The protocol name used in logs and events (smtp, submission, imap). */
    String protocol();
}
