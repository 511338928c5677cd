package org.ubdjava.driver.cache;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * Pages recently evicted, remembered without their data (the ghost or history lists of ARC, 2Q
 * and S3-FIFO): a bounded number of page numbers in ordered lists, oldest first, findable by
 * page. Nodes come from a pool sized once, so memory is bounded and nothing is allocated per
 * access; when the pool is empty the caller must drop a ghost before adding one.
 */
final class GhostLists {
    private final SlotLists lists;
    private final long[] pageOf;
    private final byte[] listOf;
    private final Long2IntOpenHashMap nodeOf;
    private final int[] free;
    private int freeCount;

    GhostLists(int capacity, int lists) {
        int nodes = Math.max(1, capacity);
        this.lists = new SlotLists(nodes, lists);
        this.pageOf = new long[nodes];
        this.listOf = new byte[nodes];
        this.nodeOf = new Long2IntOpenHashMap(nodes, 0.5f);
        this.nodeOf.defaultReturnValue(-1);
        this.free = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            free[i] = nodes - 1 - i;
        }
        this.freeCount = nodes;
    }

    /** Which list remembers {@code page} (it is forgotten), or -1 when none does. */
    int take(long page) {
        int node = nodeOf.remove(page);
        if (node < 0) {
            return -1;
        }
        lists.remove(listOf[node], node);
        free[freeCount++] = node;
        return listOf[node];
    }

    boolean full() {
        return freeCount == 0;
    }

    /** Remembers {@code page} as the newest of {@code list}; the pool must not be {@link #full}. */
    void addLast(int list, long page) {
        int node = free[--freeCount];
        pageOf[node] = page;
        listOf[node] = (byte) list;
        nodeOf.put(page, node);
        lists.addLast(list, node);
    }

    /** Forgets the oldest page of {@code list}; false when it is empty. */
    boolean dropFirst(int list) {
        int node = lists.first(list);
        if (node == SlotLists.NONE) {
            return false;
        }
        lists.remove(list, node);
        nodeOf.remove(pageOf[node]);
        free[freeCount++] = node;
        return true;
    }

    int size(int list) {
        return lists.size(list);
    }
}
