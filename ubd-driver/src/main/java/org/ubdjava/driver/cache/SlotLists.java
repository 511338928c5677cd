package org.ubdjava.driver.cache;

/**
 * Doubly linked lists of slots in two int arrays. A slot is in at most one list at a time, so
 * all lists share the arrays; list k's sentinel is node {@code capacity + k}. O(1) everything,
 * no allocation after construction.
 */
final class SlotLists {
    static final int NONE = -1;

    private final int capacity;
    private final int[] prev;
    private final int[] next;
    private final int[] size;

    SlotLists(int capacity, int lists) {
        this.capacity = capacity;
        this.prev = new int[capacity + lists];
        this.next = new int[capacity + lists];
        this.size = new int[lists];
        for (int k = 0; k < lists; k++) {
            int s = capacity + k;
            prev[s] = s;
            next[s] = s;
        }
    }

    int size(int list) {
        return size[list];
    }

    /** The least recently added or moved slot of the list, or {@link #NONE}. */
    int first(int list) {
        int s = capacity + list;
        int f = next[s];
        return f == s ? NONE : f;
    }

    /** The slot added or moved after {@code slot} in its list, or {@link #NONE} at the end. */
    int after(int slot) {
        int n = next[slot];
        return n >= capacity ? NONE : n;
    }

    void addLast(int list, int slot) {
        int s = capacity + list;
        int last = prev[s];
        next[last] = slot;
        prev[slot] = last;
        next[slot] = s;
        prev[s] = slot;
        size[list]++;
    }

    void remove(int list, int slot) {
        int p = prev[slot];
        int n = next[slot];
        next[p] = n;
        prev[n] = p;
        size[list]--;
    }

    void moveToLast(int list, int slot) {
        remove(list, slot);
        addLast(list, slot);
    }
}
