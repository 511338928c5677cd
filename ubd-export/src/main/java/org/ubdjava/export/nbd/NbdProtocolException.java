package org.ubdjava.export.nbd;

import java.io.IOException;

/** The client broke the protocol so that the stream cannot be parsed further: the connection ends. */
final class NbdProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    NbdProtocolException(String message) {
        super(message);
    }
}
