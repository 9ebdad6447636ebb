package org.mailwarden.delivery;

import java.io.IOException;
import java.io.InputStream;

/**
 * The received message as steps see it: where it came from, its size, its octets as a stream, and its header section
 * parsed. The octets are never held whole: {@link #open} streams them from the spool file (a new stream each call),
 * in network form (CRLF line ends), from the first header field (our Received) to the end; Return-Path is not part
 * of it.
 */
public interface MessageView {

    Origin origin();

    /** The message's size in octets, in network form. */
    long size();

    InputStream open() throws IOException;

    /** The header section, parsed once, bounded: {@link HeaderSection#MAX_OCTETS}, {@link HeaderSection#MAX_FIELDS}. */
    HeaderSection header() throws IOException;
}
