package org.ubdjava.export.vhost;

/** The front-end broke the protocol (a message, a ring, an address): its connection ends, nothing else. */
final class VhostProtocolException extends Exception {
    VhostProtocolException(String message) {
        super(message, null, false, false);
    }
}
