package org.ubdjava.driver.cache;

/**
 * ARC (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003): T1
 * holds pages seen once lately, T2 pages seen at least twice, both LRU; the ghosts B1 and B2
 * remember the page numbers T1 and T2 evicted. A hit in B1 says T1 was too small, so the target
 * {@code p} for T1 grows (by |B2|/|B1|, at least 1); a hit in B2 shrinks it; either way the page
 * goes to T2. REPLACE evicts T1's LRU page into B1 when T1 is over its target (or at it and the
 * miss was in B2), else T2's into B2. A miss in neither ghost is the paper's case IV: when T1 and
 * B1 hold c pages, B1's oldest is forgotten (or, B1 empty, T1's LRU page evicted with no ghost);
 * otherwise, when all four lists hold 2c, B2's oldest is forgotten; then REPLACE.
 *
 * <p>As in libCacheSim's ARC.c (the reference the study is checked against), {@code p} is a real
 * number, REPLACE also takes from T1 when T2 is empty, and eviction happens only when every slot
 * is taken (the paper's conditions hold from then on). Ghosts number at most c, in a pool sized
 * once.
 */
final class ArcPolicy implements EvictionPolicy {
    private static final int T1 = 0;
    private static final int T2 = 1;
    private static final int B1 = 0;
    private static final int B2 = 1;

    private final int capacity;
    private final SlotLists lists;
    private final byte[] where;
    private final long[] pageOf;
    private final GhostLists ghosts;
    private double p;
    /** The page of the current miss and the ghost list that remembered it, or -1. */
    private long ghostHitPage;
    private int ghostHitList = -1;

    ArcPolicy(int capacity) {
        this.capacity = capacity;
        lists = new SlotLists(capacity, 2);
        where = new byte[capacity];
        pageOf = new long[capacity];
        ghosts = new GhostLists(capacity, 2);
    }

    @Override
    public void onAccess(long page) {
        int b1 = ghosts.size(B1);
        int b2 = ghosts.size(B2);
        ghostHitList = ghosts.take(page);
        ghostHitPage = page;
        if (ghostHitList == B1) {
            p = Math.min(p + Math.max((double) b2 / b1, 1), capacity);
        } else if (ghostHitList == B2) {
            p = Math.max(p - Math.max((double) b1 / b2, 1), 0);
        }
    }

    @Override
    public void onHit(int slot) {
        if (where[slot] == T1) {
            lists.remove(T1, slot);
            lists.addLast(T2, slot);
            where[slot] = T2;
        } else {
            lists.moveToLast(T2, slot);
        }
    }

    @Override
    public void onInsert(int slot, long page) {
        int list = ghostHitList >= 0 && ghostHitPage == page ? T2 : T1;
        ghostHitList = -1;
        pageOf[slot] = page;
        where[slot] = (byte) list;
        lists.addLast(list, slot);
    }

    @Override
    public int victim() {
        if (ghostHitList >= 0) {
            return replace(ghostHitList == B2);
        }
        int t1 = lists.size(T1);
        int b1 = ghosts.size(B1);
        if (t1 + b1 >= capacity) {
            if (b1 == 0) {
                return take(T1); // T1 alone fills the cache: its LRU page goes without a ghost
            }
            ghosts.dropFirst(B1);
        } else if (t1 + b1 + lists.size(T2) + ghosts.size(B2) >= 2 * capacity) {
            ghosts.dropFirst(B2);
        }
        return replace(false);
    }

    private int replace(boolean missInB2) {
        int t1 = lists.size(T1);
        boolean fromT1 = (t1 > 0 && (t1 > p || (t1 == p && missInB2))) || lists.size(T2) == 0;
        int slot = take(fromT1 ? T1 : T2);
        if (slot != SlotLists.NONE) {
            if (ghosts.full() && !ghosts.dropFirst(B1)) {
                ghosts.dropFirst(B2); // only when slots being filled hide pages from the counts above
            }
            ghosts.addLast(fromT1 ? B1 : B2, pageOf[slot]);
        }
        return slot;
    }

    private int take(int list) {
        int slot = lists.first(list);
        if (slot != SlotLists.NONE) {
            lists.remove(list, slot);
        }
        return slot;
    }
}
