package org.ubdjava.driver.queue;

import org.ubdjava.driver.device.IoStatus;

/**
 * Told when a request is done, on the I/O thread that did it: keep it short. The tag is the
 * caller's own, passed through untouched, so one completion object can serve every request
 * without allocating per request.
 */
@FunctionalInterface
public interface Completion {
    void complete(long tag, IoStatus status);
}
