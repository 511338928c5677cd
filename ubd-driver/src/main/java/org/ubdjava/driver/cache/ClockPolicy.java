package org.ubdjava.driver.cache;

/**
 * CLOCK (second chance): a hit sets the slot's reference bit; the hand sweeps the slots, clearing
 * set bits, and evicts the first resident slot whose bit is clear. A hit costs one byte store,
 * which is why CLOCK is the cheap approximation of LRU. New pages start with the bit clear: a
 * page must be read again to survive one sweep.
 */
final class ClockPolicy implements EvictionPolicy {
    private static final byte ABSENT = 0;
    private static final byte RESIDENT = 1;
    private static final byte REFERENCED = 2;

    private final byte[] state;
    private int hand;

    ClockPolicy(int capacity) {
        state = new byte[capacity];
    }

    @Override
    public void onHit(int slot) {
        state[slot] = REFERENCED;
    }

    @Override
    public void onInsert(int slot, long page) {
        state[slot] = RESIDENT;
    }

    @Override
    public int victim() {
        // two sweeps at most: the first clears every bit it passes
        for (int steps = 0, n = state.length; steps <= 2 * n; steps++) {
            int s = hand;
            hand = s + 1 == n ? 0 : s + 1;
            if (state[s] == REFERENCED) {
                state[s] = RESIDENT;
            } else if (state[s] == RESIDENT) {
                state[s] = ABSENT;
                return s;
            }
        }
        return -1;
    }
}
