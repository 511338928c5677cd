package org.ubdjava.export;

import java.util.Optional;

/**
 * One device as an export serves it: its name, its size and mode as attached at start, where a
 * client reaches it, and the argument a guest is given to attach it where the address alone does
 * not say how (a vhost-user socket does not; an NBD URI does).
 */
public record Endpoint(String name, long size, boolean readOnly, String address, Optional<String> guestArgument) {
    /** What a server prints for a person when it is ready: {@code NAME SIZE rw|ro ADDRESS}, then the guest's argument. */
    public String readyLine() {
        return name + " " + size + " " + (readOnly ? "ro" : "rw") + " " + address + guestArgument.map(a -> "   (" + a + ")").orElse("");
    }
}
