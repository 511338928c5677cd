package org.ubdjava.harness.cachesim;

import java.util.Arrays;

import it.unimi.dsi.fastutil.longs.Long2IntMap;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * LRU's hit ratio at every cache size in one pass (Mattson et al.'s stack distances): an access
 * hits an LRU cache of C pages exactly when fewer than C other distinct pages were accessed since
 * the page's previous access. That count comes from a Fenwick tree over access times holding a 1
 * at each page's latest access, so each access costs O(log n). When the times run out, the live
 * ones are renumbered in order (the tree stays twice the number of distinct pages, not the
 * length of the stream).
 */
final class StackDistances {
    private final Long2IntOpenHashMap lastAccess = new Long2IntOpenHashMap();
    private int[] tree;
    private boolean[] live;
    private int now;
    /** histogram[d]: accesses whose page was the d-th most recently used (d >= 1). */
    private long[] histogram = new long[1024];
    private long accesses;

    StackDistances() {
        lastAccess.defaultReturnValue(-1);
        tree = new int[(1 << 16) + 1];
        live = new boolean[1 << 16];
    }

    void access(long page) {
        accesses++;
        if (now == live.length) {
            compact();
        }
        int t = lastAccess.put(page, now);
        if (t >= 0) {
            int d = prefix(now - 1) - prefix(t - 1);
            add(t, -1);
            live[t] = false;
            if (d >= histogram.length) {
                histogram = Arrays.copyOf(histogram, Math.max(d + 1, histogram.length * 2));
            }
            histogram[d]++;
        }
        add(now, 1);
        live[now] = true;
        now++;
    }

    long accesses() {
        return accesses;
    }

    /** Distinct pages seen. */
    long footprint() {
        return lastAccess.size();
    }

    /** Hits of LRU caches of 0, 1, 2 ... pages: element C is the hits of a cache of C pages (flat past the footprint). */
    long[] cumulativeHits() {
        long[] c = new long[histogram.length];
        for (int d = 1; d < c.length; d++) {
            c[d] = c[d - 1] + histogram[d];
        }
        return c;
    }

    /** Hits of an LRU cache of {@code pages}, from {@link #cumulativeHits}. */
    static long hits(long[] cumulative, long pages) {
        return cumulative[(int) Math.min(pages, cumulative.length - 1)];
    }

    private void compact() {
        int[] rank = new int[now];
        int next = 0;
        for (int t = 0; t < now; t++) {
            rank[t] = live[t] ? next++ : -1;
        }
        for (Long2IntMap.Entry e : lastAccess.long2IntEntrySet()) {
            e.setValue(rank[e.getIntValue()]);
        }
        int capacity = Math.max(1 << 16, 2 * next);
        live = new boolean[capacity];
        Arrays.fill(live, 0, next, true);
        tree = new int[capacity + 1];
        for (int i = 1; i <= capacity; i++) { // linear build: each node passes its sum to its parent
            tree[i] += i <= next ? 1 : 0;
            int parent = i + (i & -i);
            if (parent <= capacity) {
                tree[parent] += tree[i];
            }
        }
        now = next;
    }

    /** Live marks at times 0 to t. */
    private int prefix(int t) {
        int s = 0;
        for (int i = t + 1; i > 0; i -= i & -i) {
            s += tree[i];
        }
        return s;
    }

    private void add(int t, int delta) {
        for (int i = t + 1; i < tree.length; i += i & -i) {
            tree[i] += delta;
        }
    }
}
