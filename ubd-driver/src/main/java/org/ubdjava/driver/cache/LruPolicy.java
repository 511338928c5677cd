package org.ubdjava.driver.cache;

/** Least recently used: one list, a hit moves its slot to the end, the victim is the head. */
final class LruPolicy implements EvictionPolicy {
    private final SlotLists lists;

    LruPolicy(int capacity) {
        lists = new SlotLists(capacity, 1);
    }

    @Override
    public void onHit(int slot) {
        lists.moveToLast(0, slot);
    }

    @Override
    public void onInsert(int slot, long page) {
        lists.addLast(0, slot);
    }

    @Override
    public int victim() {
        int v = lists.first(0);
        if (v != SlotLists.NONE) {
            lists.remove(0, v);
        }
        return v;
    }
}
