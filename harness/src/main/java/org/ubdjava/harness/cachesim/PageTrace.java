package org.ubdjava.harness.cachesim;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.file.Path;
import java.util.Arrays;

import org.ubdjava.core.UbdException;
import org.ubdjava.harness.replay.VmPlacement;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceRecord;

/**
 * A trace as the backing cache sees it: its reads and its writes (discards count as writes: both
 * put the sectors in the COW file, so later reads of them never reach the backing file), as
 * sector ranges in primitive arrays, read once. Flushes and empty records are dropped. The device
 * is as large as the trace's furthest byte, rounded up to a page, unless given.
 */
public final class PageTrace implements VmPlacement.Shape {
    public static final int PAGE = 4096;
    static final int SECTORS_PER_PAGE = PAGE / SECTOR;

    final String name;
    final int count;
    final boolean[] write;
    final long[] firstSector;
    final int[] sectors;
    private final long[] time;
    private final boolean timeOrdered;
    private final long deviceSectors;

    private PageTrace(String name, int count, boolean[] write, long[] firstSector, int[] sectors, long[] time,
                      boolean timeOrdered, long deviceSectors) {
        this.name = name;
        this.count = count;
        this.write = write;
        this.firstSector = firstSector;
        this.sectors = sectors;
        this.time = time;
        this.timeOrdered = timeOrdered;
        this.deviceSectors = deviceSectors;
    }

    /**
     * Reads {@code reader} to its end, or to {@code limit} I/O records.
     *
     * @throws UbdException if a request is larger than 1 GiB (no block trace has one; it is a corrupt record)
     */
    public static PageTrace read(TraceReader reader, long limit) {
        int cap = 1 << 12;
        boolean[] w = new boolean[cap];
        long[] first = new long[cap];
        int[] len = new int[cap];
        long[] t = new long[cap];
        int n = 0;
        long end = 0;
        boolean ordered = true;
        TraceRecord.Mutable r = new TraceRecord.Mutable();
        Path path = reader.path();
        while (n < limit && reader.next(r)) {
            if ((r.op() != TraceOp.READ && r.op() != TraceOp.WRITE && r.op() != TraceOp.DISCARD) || r.length() == 0) {
                continue;
            }
            if (n == Integer.MAX_VALUE - 8) {
                throw new UbdException(path + ": more than " + n + " records; simulate a part with --limit");
            }
            long firstSector = r.offset() / SECTOR;
            long lastSector = (r.end() - 1) / SECTOR;
            if (lastSector - firstSector >= (1 << 21)) {
                throw new UbdException(path + ": record " + r.position() + " asks for " + r.length() + " bytes, more than 1 GiB");
            }
            if (n == cap) {
                cap = cap * 2;
                w = Arrays.copyOf(w, cap);
                first = Arrays.copyOf(first, cap);
                len = Arrays.copyOf(len, cap);
                t = Arrays.copyOf(t, cap);
            }
            w[n] = r.op() != TraceOp.READ;
            first[n] = firstSector;
            len[n] = (int) (lastSector - firstSector + 1);
            t[n] = r.timestampMicros();
            ordered &= t[n] >= 0 && (n == 0 || t[n] >= t[n - 1]);
            end = Math.max(end, lastSector + 1);
            n++;
        }
        long device = (end + SECTORS_PER_PAGE - 1) / SECTORS_PER_PAGE * SECTORS_PER_PAGE;
        return new PageTrace(path.getFileName().toString(), n, w, first, len, t, ordered && n > 0, Math.max(device, SECTORS_PER_PAGE));
    }

    /** The same records on a device of {@code sectors} (several traces share one backing file: the largest). */
    PageTrace onDevice(long device) {
        return new PageTrace(name, count, write, firstSector, sectors, time, timeOrdered, device);
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public long deviceSectors() {
        return deviceSectors;
    }

    @Override
    public boolean timeOrdered() {
        return timeOrdered;
    }

    @Override
    public long timeMicros(int r) {
        return time[r];
    }
}
