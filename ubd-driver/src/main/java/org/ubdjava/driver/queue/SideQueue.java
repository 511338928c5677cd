package org.ubdjava.driver.queue;

/**
 * The requests of a disk held behind its own offloaded call ({@link Offload}), in the order the
 * ring gave them: copies of their ring slots, so the ring's slots go back to the submitters at
 * once and the other disks of the thread keep their room. The slots are reused: it grows (doubling)
 * only while more requests wait than ever waited before, never per request. Confined to the disk's
 * I/O thread.
 */
final class SideQueue {
    private RequestEvent[] slots;
    private int head;
    private int size;

    SideQueue(int capacity) {
        slots = new RequestEvent[Integer.highestOneBit(Math.max(2, capacity - 1)) << 1];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new RequestEvent();
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Copies {@code e} in at the tail. */
    void add(RequestEvent e) {
        if (size == slots.length) {
            grow();
        }
        slots[(head + size) & (slots.length - 1)].copyFrom(e);
        size++;
    }

    /** The oldest request, still queued. */
    RequestEvent peek() {
        return slots[head];
    }

    /**
     * Takes the oldest request out and gives back its slot object; the caller is done with it
     * before the next {@link #add} (the slot is reused), or swaps it out with {@link #swapHead}.
     */
    RequestEvent poll() {
        RequestEvent e = slots[head];
        head = (head + 1) & (slots.length - 1);
        size--;
        return e;
    }

    /**
     * Takes the oldest request out, keeping it as the returned object, and puts {@code spare} (a
     * cleared slot) in its place for later use: a request moves to the offload without a copy.
     */
    RequestEvent swapHead(RequestEvent spare) {
        RequestEvent e = slots[head];
        slots[head] = spare;
        head = (head + 1) & (slots.length - 1);
        size--;
        return e;
    }

    private void grow() {
        RequestEvent[] bigger = new RequestEvent[slots.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = slots[(head + i) & (slots.length - 1)];
        }
        for (int i = size; i < bigger.length; i++) {
            bigger[i] = new RequestEvent();
        }
        slots = bigger;
        head = 0;
    }
}
