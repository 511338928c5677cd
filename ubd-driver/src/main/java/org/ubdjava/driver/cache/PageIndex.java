package org.ubdjava.driver.cache;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * Which page is in which slot, and which slot to reuse: the bookkeeping of a page cache without
 * its data, so the same code runs the real cache ({@link SharedPageCache}) and trace-driven
 * simulations ({@link CacheSimulator}).
 *
 * <p>A slot is free, filling (handed out by {@link #allocate}, not yet {@link #publish}ed: in
 * neither the map nor the policy, so no lookup finds it and no eviction takes it), or resident.
 * Not thread-safe; the primitive map is sized for every slot at once, so it never rehashes and
 * nothing is allocated per operation.
 */
public final class PageIndex {
    private final int capacity;
    private final EvictionPolicy policy;
    private final Long2IntOpenHashMap slotOfPage;
    private final long[] pageOfSlot;
    private final int[] free;
    private int freeCount;
    private long evictions;

    public PageIndex(int capacity, CachePolicy policy) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a cache needs at least one page, got " + capacity);
        }
        this.capacity = capacity;
        this.policy = policy.create(capacity);
        this.slotOfPage = new Long2IntOpenHashMap(capacity, 0.5f);
        this.slotOfPage.defaultReturnValue(-1);
        this.pageOfSlot = new long[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i; // slot 0 first: tests can predict slots
        }
        this.freeCount = capacity;
    }

    public int capacity() {
        return capacity;
    }

    /** Pages resident now. */
    public int size() {
        return slotOfPage.size();
    }

    public long evictions() {
        return evictions;
    }

    /** The page's slot (a hit, recorded by the policy), or -1. */
    public int lookup(long page) {
        policy.onAccess(page);
        int slot = slotOfPage.get(page);
        if (slot >= 0) {
            policy.onHit(slot);
        }
        return slot;
    }

    /** Present, without counting as an access. */
    public boolean contains(long page) {
        return slotOfPage.containsKey(page);
    }

    /**
     * A slot to fill: a free one, else the policy's victim, whose page is forgotten here (the
     * caller must make readers of the victim notice). -1 if every slot is being filled.
     */
    public int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        int victim = policy.victim();
        if (victim >= 0) {
            slotOfPage.remove(pageOfSlot[victim]);
            evictions++;
        }
        return victim;
    }

    /**
     * Makes a filled slot findable. False if another filler published the page first: the slot
     * is then free again.
     */
    public boolean publish(int slot, long page) {
        if (slotOfPage.putIfAbsent(page, slot) >= 0) {
            release(slot);
            return false;
        }
        pageOfSlot[slot] = page;
        policy.onInsert(slot, page);
        return true;
    }

    /** Gives back an allocated slot that will not be published. */
    public void release(int slot) {
        free[freeCount++] = slot;
    }
}
