package org.ubdjava.harness.trace;

/**
 * Turns a trace's absolute clock into time since its first record. A record stamped earlier than
 * the first (traces are not always in clock order) gets 0, keeping the record invariant
 * {@code timestamp >= 0}.
 */
final class RelativeClock {
    private long first = -1;

    /** {@code absolute} (>= 0, in the trace's unit) minus the first value seen, never negative. */
    long since(long absolute) {
        if (first < 0) {
            first = absolute;
        }
        return Math.max(0, absolute - first);
    }
}
