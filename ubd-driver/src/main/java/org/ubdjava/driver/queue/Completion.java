package org.ubdjava.driver.queue;

import org.ubdjava.driver.device.IoStatus;

/**
 * Told when a request is done, on the I/O thread that did it: keep it short. The tag is the
 * caller's own, passed through untouched, so one completion object can serve every request
 * without allocating per request.
 *
 * <p>A completion must never block. That thread serves every disk of its shard: while it waits,
 * none of their requests completes, and the room in the ring it waits for may be room only it
 * can free. So the blocking {@link UbdDriver#submit submit} (and {@link UbdDriver#detach}) throw
 * {@link IllegalStateException} on an I/O thread; a completion that issues the next request uses
 * {@link UbdDriver#trySubmit} and, when the ring is full, hands the request to a thread of its own,
 * as {@link ClosedLoop} does.
 */
@FunctionalInterface
public interface Completion {
    void complete(long tag, IoStatus status);
}
