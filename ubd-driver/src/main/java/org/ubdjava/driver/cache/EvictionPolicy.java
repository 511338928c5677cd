package org.ubdjava.driver.cache;

/**
 * Which cached page to give up when a new one needs a slot. Works on slot numbers (0 to
 * capacity - 1) in primitive arrays sized once: nothing is allocated per access.
 *
 * <p>Not thread-safe: {@link PageIndex} calls it under its owner's lock. A slot is known to the
 * policy from {@link #onInsert} until the policy returns it from {@link #victim}; slots being
 * filled are not known to it, so they are never chosen.
 */
public interface EvictionPolicy {
    /** Every lookup, hit or miss, before {@link #onHit} (frequency-based policies count here). */
    default void onAccess(long page) {
    }

    /** The page in {@code slot} was read again. */
    void onHit(int slot);

    /** {@code slot} now holds {@code page}. */
    void onInsert(int slot, long page);

    /** Chooses a slot to evict and forgets it; -1 when the policy holds no slot. */
    int victim();
}
