package org.ubdjava.harness.cachesim;

import java.util.BitSet;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;

import org.ubdjava.harness.replay.VmPlacement;

/**
 * One VM's accesses to the backing cache: its trace's records from its start, wrapping, with its
 * offsets rotated by its shift, each read request as its 4 KiB pages in order, minus what the
 * VM's COW file already holds. The COW file is sector-granular, so a page counts as read from
 * the backing file unless every sector the request wants of it was written by this VM before.
 *
 * <p>What the VM wrote: one bit per page with any written sector, and the sector mask of the
 * few pages written only in part (a page written whole needs no mask). Nothing is allocated per
 * page once the page has been seen.
 */
final class VmStream {
    private static final int FULL = 0xff;

    final int vm;
    private final PageTrace trace;
    private final VmPlacement placement;
    private final long device;
    private final BitSet written = new BitSet();
    private final Int2IntOpenHashMap partial = new Int2IntOpenHashMap();
    private int position;

    VmStream(int vm, PageTrace trace, VmPlacement placement) {
        this.vm = vm;
        this.trace = trace;
        this.placement = placement;
        this.device = trace.deviceSectors();
        partial.defaultReturnValue(FULL);
    }

    boolean done() {
        return position >= trace.count;
    }

    /** Replays the next record, giving each backing page it reads to {@code sink}. */
    void next(PageSink sink) {
        int r = placement.start() + position++;
        if (r >= trace.count) {
            r -= trace.count;
        }
        long s = trace.firstSector[r] + placement.shift();
        if (s >= device) {
            s -= device;
        }
        long n = trace.sectors[r];
        boolean write = trace.write[r];
        long head = Math.min(n, device - s);
        run(sink, write, s, head);
        if (head < n) {
            run(sink, write, 0, n - head); // rotated past the end of the device: wraps to its start
        }
    }

    private void run(PageSink sink, boolean write, long first, long count) {
        long end = first + count;
        for (long page = first / PageTrace.SECTORS_PER_PAGE; page * PageTrace.SECTORS_PER_PAGE < end; page++) {
            long pageStart = page * PageTrace.SECTORS_PER_PAGE;
            int lo = (int) Math.max(0, first - pageStart);
            int hi = (int) Math.min(PageTrace.SECTORS_PER_PAGE, end - pageStart);
            int mask = ((1 << hi) - 1) & ~((1 << lo) - 1);
            if (write) {
                wrote((int) page, mask);
            } else if (fromBacking((int) page, mask)) {
                sink.access(vm, page);
            }
        }
    }

    private void wrote(int page, int mask) {
        if (!written.get(page)) {
            written.set(page);
            if (mask != 0xff) {
                partial.put(page, mask);
            }
            return;
        }
        int old = partial.get(page);
        if (old != FULL) {
            int now = old | mask;
            if (now == 0xff) {
                partial.remove(page);
            } else {
                partial.put(page, now);
            }
        }
    }

    private boolean fromBacking(int page, int mask) {
        return !written.get(page) || (mask & ~partial.get(page)) != 0;
    }

    /** Where a VM's backing reads go. */
    interface PageSink {
        void access(int vm, long page);
    }
}
