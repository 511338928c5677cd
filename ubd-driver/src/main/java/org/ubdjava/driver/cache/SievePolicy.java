package org.ubdjava.driver.cache;

/**
 * SIEVE (Zhang, Yang, Yue, Vigfusson and Rashmi, "SIEVE is Simpler than LRU", NSDI 2024): one
 * FIFO queue, a visited bit per page, and a hand. A hit only sets the bit (no list move, so a hit
 * costs what CLOCK's does); new pages join at the new end. To evict, the hand walks from where it
 * stopped last (at first from the oldest page) towards newer pages, clearing set bits, and takes
 * the first page whose bit is clear; it wraps to the oldest page after the newest. Unlike CLOCK,
 * survivors keep their place instead of moving to the new end, so new pages that are not read
 * again leave quickly while popular old ones stay: the "lazy promotion, quick demotion" the paper
 * measures. Same choices as libCacheSim's Sieve.c on the same stream ({@code LibCacheSimAgreementTest}).
 */
final class SievePolicy implements EvictionPolicy {
    private final SlotLists queue;
    private final boolean[] visited;
    private int hand = SlotLists.NONE;

    SievePolicy(int capacity) {
        queue = new SlotLists(capacity, 1);
        visited = new boolean[capacity];
    }

    @Override
    public void onHit(int slot) {
        visited[slot] = true;
    }

    @Override
    public void onInsert(int slot, long page) {
        visited[slot] = false;
        queue.addLast(0, slot);
    }

    @Override
    public int victim() {
        int s = hand == SlotLists.NONE ? queue.first(0) : hand;
        if (s == SlotLists.NONE) {
            return -1;
        }
        while (visited[s]) {
            visited[s] = false;
            s = next(s);
        }
        hand = queue.after(s);
        queue.remove(0, s);
        return s;
    }

    private int next(int slot) {
        int n = queue.after(slot);
        return n == SlotLists.NONE ? queue.first(0) : n;
    }
}
