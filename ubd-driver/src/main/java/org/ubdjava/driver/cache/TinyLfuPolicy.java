package org.ubdjava.driver.cache;

/**
 * W-TinyLFU (Einziger, Friedman and Manes; the policy of Caffeine): new pages enter a small LRU
 * window (1% of the slots); a page pushed out of the window is admitted to the main area (a
 * segmented LRU: probation 20%, protected 80%) only if the frequency sketch says it is seen more
 * often than the page main would evict. A one-time scan therefore passes through the window and
 * leaves the hot set alone, where plain LRU loses all of it.
 *
 * <p>Caffeine itself is not used: its map boxes every page number (an allocation per lookup),
 * allocates a node per insert, and evicts asynchronously and approximately, while a fixed slab of
 * off-heap pages needs the victim named at the moment a slot is wanted.
 */
final class TinyLfuPolicy implements EvictionPolicy {
    private static final int WINDOW = 0;
    private static final int PROBATION = 1;
    private static final int PROTECTED = 2;

    private final SlotLists lists;
    private final byte[] where;
    private final long[] pageOf;
    private final FrequencySketch sketch;
    private final int windowMax;
    private final int protectedMax;

    TinyLfuPolicy(int capacity) {
        lists = new SlotLists(capacity, 3);
        where = new byte[capacity];
        pageOf = new long[capacity];
        sketch = new FrequencySketch(capacity);
        windowMax = Math.max(1, capacity / 100);
        protectedMax = (int) ((capacity - windowMax) * 0.8);
    }

    @Override
    public void onAccess(long page) {
        sketch.increment(page);
    }

    @Override
    public void onHit(int slot) {
        switch (where[slot]) {
            case WINDOW -> lists.moveToLast(WINDOW, slot);
            case PROTECTED -> lists.moveToLast(PROTECTED, slot);
            default -> {
                lists.remove(PROBATION, slot);
                lists.addLast(PROTECTED, slot);
                where[slot] = PROTECTED;
                if (lists.size(PROTECTED) > protectedMax) {
                    int demoted = lists.first(PROTECTED);
                    lists.remove(PROTECTED, demoted);
                    lists.addLast(PROBATION, demoted);
                    where[demoted] = PROBATION;
                }
            }
        }
    }

    @Override
    public void onInsert(int slot, long page) {
        pageOf[slot] = page;
        where[slot] = WINDOW;
        lists.addLast(WINDOW, slot);
        while (lists.size(WINDOW) > windowMax) {
            int out = lists.first(WINDOW);
            lists.remove(WINDOW, out);
            lists.addLast(PROBATION, out);
            where[out] = PROBATION;
        }
    }

    /**
     * Called when every slot is taken: the next insert would push the window's oldest page (the
     * candidate) into main, so the candidate and main's victim compete now, and the loser goes.
     */
    @Override
    public int victim() {
        int candidate = lists.size(WINDOW) >= windowMax ? lists.first(WINDOW) : SlotLists.NONE;
        int mainVictim = lists.first(PROBATION);
        int mainList = PROBATION;
        if (mainVictim == SlotLists.NONE) {
            mainVictim = lists.first(PROTECTED);
            mainList = PROTECTED;
        }
        if (mainVictim == SlotLists.NONE) {
            return evict(WINDOW, lists.first(WINDOW));
        }
        if (candidate == SlotLists.NONE) {
            return evict(mainList, mainVictim);
        }
        if (sketch.frequency(pageOf[candidate]) > sketch.frequency(pageOf[mainVictim])) {
            lists.remove(WINDOW, candidate);
            lists.addLast(PROBATION, candidate);
            where[candidate] = PROBATION;
            return evict(mainList, mainVictim);
        }
        return evict(WINDOW, candidate);
    }

    private int evict(int list, int slot) {
        if (slot != SlotLists.NONE) {
            lists.remove(list, slot);
        }
        return slot;
    }
}
