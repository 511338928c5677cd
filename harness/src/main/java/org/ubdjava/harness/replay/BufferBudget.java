package org.ubdjava.harness.replay;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The direct memory every VM's request buffers may take together. A thousand VMs with 16
 * requests of 64 KiB in flight would otherwise pin a gigabyte. Each VM keeps its buffers (one per
 * in-flight slot, grown to the largest request it saw) until it retires, so the steady state
 * neither allocates nor touches this; only growing a buffer reserves. A VM with nothing in flight
 * may always take one buffer, whatever the budget says, so no VM ever waits for another.
 */
final class BufferBudget {
    private final long limit;
    private final AtomicLong reserved = new AtomicLong();

    BufferBudget(long limit) {
        this.limit = limit;
    }

    /** Reserves {@code bytes}, or returns false when that would pass the limit. */
    boolean tryReserve(long bytes) {
        for (;;) {
            long r = reserved.get();
            if (r + bytes > limit) {
                return false;
            }
            if (reserved.compareAndSet(r, r + bytes)) {
                return true;
            }
        }
    }

    /** Reserves {@code bytes} past the limit (a VM's one buffer when it has nothing in flight). */
    void force(long bytes) {
        reserved.addAndGet(bytes);
    }

    void release(long bytes) {
        reserved.addAndGet(-bytes);
    }
}
