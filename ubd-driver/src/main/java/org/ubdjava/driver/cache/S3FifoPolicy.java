package org.ubdjava.driver.cache;

/**
 * S3-FIFO (Yang, Zhang, Qiu, Yue and Rashmi, "FIFO queues are all you need for cache eviction",
 * SOSP 2023), with the paper's parameters as libCacheSim's S3FIFO.c runs them: a small FIFO of
 * 10% of the slots, a main FIFO of the rest, and a ghost FIFO remembering as many evicted page
 * numbers as 90% of the slots. A page new to the cache enters small, unless the ghost remembers
 * it: then it goes straight to main. A hit only counts (no list move). Evicting from small (while
 * main is within its share and small is not empty): its oldest page moves to main if it was hit
 * at least twice while in small, else it leaves and the ghost remembers it. Evicting from main:
 * its oldest page is reinserted at main's new end with its count lowered by one (counts saturate
 * at 3) while the count is positive, else it leaves. The small queue filters one-hit wonders, the
 * point of the design. Same choices as libCacheSim on the same stream except for caches below 20
 * pages, where libCacheSim (whose small queue refuses a page as large as itself) caches nothing
 * and this keeps a small queue of at least one page.
 */
final class S3FifoPolicy implements EvictionPolicy {
    static final double SMALL_RATIO = 0.10;
    static final double GHOST_RATIO = 0.90;
    /** Hits in small that earn a page its move to main. */
    static final int MOVE_TO_MAIN = 2;
    private static final int MAX_FREQ = 3;

    private static final int SMALL = 0;
    private static final int MAIN = 1;

    private final SlotLists lists;
    private final byte[] freq;
    private final long[] pageOf;
    private final GhostLists ghost;
    private final int mainMax;
    private final int ghostMax;
    /** The page of the current miss, when the ghost remembered it (libCacheSim's hit_on_ghost). */
    private long ghostHitPage;
    private boolean ghostHit;

    S3FifoPolicy(int capacity) {
        lists = new SlotLists(capacity, 2);
        freq = new byte[capacity];
        pageOf = new long[capacity];
        int small = Math.max(1, (int) (capacity * SMALL_RATIO));
        mainMax = capacity - small;
        ghostMax = (int) (capacity * GHOST_RATIO);
        ghost = new GhostLists(ghostMax, 1);
    }

    @Override
    public void onAccess(long page) {
        ghostHit = ghost.take(page) >= 0;
        ghostHitPage = page;
    }

    @Override
    public void onHit(int slot) {
        if (freq[slot] < MAX_FREQ) {
            freq[slot]++;
        }
    }

    @Override
    public void onInsert(int slot, long page) {
        pageOf[slot] = page;
        freq[slot] = 0;
        int list = ghostHit && ghostHitPage == page ? MAIN : SMALL;
        ghostHit = false;
        lists.addLast(list, slot);
    }

    @Override
    public int victim() {
        int v = SlotLists.NONE;
        if (lists.size(MAIN) <= mainMax && lists.size(SMALL) > 0) {
            v = evictSmall();
        }
        return v == SlotLists.NONE ? evictMain() : v;
    }

    /** Small's oldest page that was not hit twice, moving the others to main; NONE if small empties first. */
    private int evictSmall() {
        for (int s = lists.first(SMALL); s != SlotLists.NONE; s = lists.first(SMALL)) {
            lists.remove(SMALL, s);
            if (freq[s] >= MOVE_TO_MAIN) {
                freq[s] = 0;
                lists.addLast(MAIN, s);
            } else {
                remember(pageOf[s]);
                return s;
            }
        }
        return SlotLists.NONE;
    }

    private int evictMain() {
        for (int s = lists.first(MAIN); s != SlotLists.NONE; s = lists.first(MAIN)) {
            lists.remove(MAIN, s);
            if (freq[s] == 0) {
                return s;
            }
            freq[s]--;
            lists.addLast(MAIN, s);
        }
        return SlotLists.NONE;
    }

    private void remember(long page) {
        if (ghostMax == 0) {
            return;
        }
        if (ghost.size(0) >= ghostMax || ghost.full()) {
            ghost.dropFirst(0);
        }
        ghost.addLast(0, page);
    }
}
