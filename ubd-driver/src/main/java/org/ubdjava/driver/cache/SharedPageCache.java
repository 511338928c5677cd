package org.ubdjava.driver.cache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The cache of one backing file, shared by every device over it, on any I/O thread: 4 KiB pages
 * in a {@link PageArena}, found through a {@link PageIndex}.
 *
 * <p>Concurrency: the index and policy change only under {@code lock}, and no data is copied
 * under it. Each slot has a stamp (a seqlock): odd while the slot is being refilled, bumped on
 * every eviction and fill. A reader takes the slot and its stamp under the lock, copies without
 * it, then checks the stamp: if an eviction took the slot meanwhile the stamp changed, the copy
 * may be torn, and the reader goes to the file instead. A filler bumps the stamp to odd under the
 * lock when it takes the slot, copies, then makes it even and publishes the page under the lock,
 * so a page is found only once whole. The backing file is read-only, so a page never changes
 * while resident: there is nothing to invalidate.
 */
public final class SharedPageCache implements AutoCloseable {
    public static final int PAGE = PageArena.PAGE;
    public static final int PAGE_SHIFT = PageArena.PAGE_SHIFT;
    private static final VarHandle STAMP = MethodHandles.arrayElementVarHandle(int[].class);

    private final String name;
    private final PageArena arena;
    private final PageIndex index;
    private final int[] stamps;
    private final Object lock = new Object();
    /** The counters of the devices using this cache now; they retire into {@link #retired} when closed. */
    private final java.util.List<CacheCounters> users = new java.util.concurrent.CopyOnWriteArrayList<>();
    private CacheStats retired = CacheStats.zero();
    private final CachePolicy policy;

    public SharedPageCache(String name, CachePolicy policy, int pages) {
        this.name = name;
        this.policy = policy;
        this.index = new PageIndex(pages, policy);
        this.arena = new PageArena(pages);
        this.stamps = new int[pages];
    }

    public String name() {
        return name;
    }

    public CachePolicy policy() {
        return policy;
    }

    /** The bound: bytes of page memory, allocated at creation. */
    public long capacityBytes() {
        return arena.bytes();
    }

    public int capacityPages() {
        return arena.slots();
    }

    public int residentPages() {
        synchronized (lock) {
            return index.size();
        }
    }

    /** Totals over every device that used this cache, readable while running. */
    public CacheStats stats() {
        CacheStats sum;
        synchronized (users) {
            sum = retired;
        }
        for (CacheCounters c : users) {
            sum = sum.plus(c.snapshot());
        }
        return sum;
    }

    /** A device starts using the cache (its counters count in the totals from now on). */
    void register(CacheCounters device) {
        users.add(device);
    }

    /** A device is done: its counts stay in the totals. */
    void retire(CacheCounters device) {
        synchronized (users) {
            if (users.remove(device)) {
                retired = retired.plus(device.snapshot());
            }
        }
    }

    /** A token for the page ({@code stamp << 32 | slot}) counted as an access, or -1 if absent. */
    long find(long page) {
        synchronized (lock) {
            int slot = index.lookup(page);
            return slot < 0 ? -1 : ((long) stamps[slot] << 32) | slot;
        }
    }

    /**
     * Copies part of a found page; false if the page was evicted meanwhile (then {@code dst}'s
     * range holds garbage, to be overwritten from the file).
     */
    boolean copyOut(long token, int inPage, ByteBuffer dst, int dstIndex, int length) {
        int slot = (int) token;
        arena.copyOut(slot, inPage, dst, dstIndex, length);
        VarHandle.loadLoadFence(); // the copy's loads happen before the stamp's re-read
        return (int) STAMP.getVolatile(stamps, slot) == (int) (token >>> 32);
    }

    /**
     * Caches the page at {@code srcIndex} of {@code src} (a whole 4 KiB). Returns 1 if a page was
     * evicted for it, else 0.
     */
    int fill(long page, ByteBuffer src, int srcIndex) {
        int slot;
        boolean evicted;
        synchronized (lock) {
            if (index.contains(page)) {
                return 0; // another device's reader brought it in first
            }
            long before = index.evictions();
            slot = index.allocate();
            if (slot < 0) {
                return 0; // every slot is being filled right now: skip, the data went to the reader anyway
            }
            evicted = index.evictions() != before;
            STAMP.setVolatile(stamps, slot, stamps[slot] + 1); // odd: readers holding the old stamp will fail
        }
        VarHandle.storeStoreFence(); // the odd stamp is visible before any byte of the new page
        arena.copyIn(slot, src, srcIndex);
        synchronized (lock) {
            STAMP.setVolatile(stamps, slot, stamps[slot] + 1);
            index.publish(slot, page);
        }
        return evicted ? 1 : 0;
    }

    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return name + " (" + policy + ", " + (capacityBytes() >> 20) + " MiB)";
    }
}
