package org.ubdjava.driver.cache;

/**
 * 2Q, the full version (Johnson and Shasha, "2Q: A Low Overhead High Performance Buffer
 * Management Replacement Algorithm", VLDB 1994), with the paper's recommended sizes: A1in, a FIFO
 * of new pages holding up to Kin = 25% of the slots; A1out, a ghost FIFO remembering the page
 * numbers of up to Kout = 50% of the slots that A1in evicted; Am, an LRU of pages read again
 * after leaving A1in. A hit in A1in does nothing (correlated re-reads soon after the first do not
 * make a page hot); a hit in Am moves it to Am's MRU end; a miss remembered by A1out goes to Am,
 * any other miss to A1in. To free a slot: A1in's oldest page while A1in holds more than Kin (its
 * number moves to A1out, whose oldest is forgotten when A1out is full), else Am's LRU page.
 * Sizes are truncated as libCacheSim's TwoQ.c truncates them.
 */
final class TwoQPolicy implements EvictionPolicy {
    static final double KIN = 0.25;
    static final double KOUT = 0.50;

    private static final int A1IN = 0;
    private static final int AM = 1;

    private final SlotLists lists;
    private final byte[] where;
    private final long[] pageOf;
    private final GhostLists a1out;
    private final int kin;
    private final int kout;
    private long ghostHitPage;
    private boolean ghostHit;

    TwoQPolicy(int capacity) {
        lists = new SlotLists(capacity, 2);
        where = new byte[capacity];
        pageOf = new long[capacity];
        kin = (int) (capacity * KIN);
        kout = (int) (capacity * KOUT);
        a1out = new GhostLists(kout, 1);
    }

    @Override
    public void onAccess(long page) {
        ghostHit = a1out.take(page) >= 0;
        ghostHitPage = page;
    }

    @Override
    public void onHit(int slot) {
        if (where[slot] == AM) {
            lists.moveToLast(AM, slot);
        }
    }

    @Override
    public void onInsert(int slot, long page) {
        int list = ghostHit && ghostHitPage == page ? AM : A1IN;
        ghostHit = false;
        pageOf[slot] = page;
        where[slot] = (byte) list;
        lists.addLast(list, slot);
    }

    @Override
    public int victim() {
        if (lists.size(A1IN) > kin || lists.size(AM) == 0) {
            int s = lists.first(A1IN);
            if (s != SlotLists.NONE) {
                lists.remove(A1IN, s);
                if (kout > 0) {
                    if (a1out.size(0) >= kout) {
                        a1out.dropFirst(0);
                    }
                    a1out.addLast(0, pageOf[s]);
                }
                return s;
            }
        }
        int s = lists.first(AM);
        if (s != SlotLists.NONE) {
            lists.remove(AM, s);
        }
        return s;
    }
}
