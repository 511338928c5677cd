package org.ubdjava.harness.replay;

import java.util.Arrays;

import org.ubdjava.harness.trace.DeviceClipper;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceRecord;

import it.unimi.dsi.fastutil.ints.IntArrayList;

/**
 * The trace read once, fitted to the device, held as primitive arrays and shared by every VM (a
 * trace of 100,000 records costs about 3 MB, whatever the number of VMs), together with what each
 * read must return.
 *
 * <p>Why one expectation serves every VM: a VM submits its requests in trace order from one
 * thread, and the driver executes a disk's requests in submission order, so a read sees exactly
 * the writes and discards that precede it in the trace, however many requests are in flight and
 * whether or not they overlap. The expected source of every sector of every read is therefore a
 * property of the trace alone, computed here in one pass with one {@link SectorModel}; a VM only
 * adds its own index and offset rotation. (If the driver ever reordered overlapping requests, the
 * reads would come back with the wrong stamps: the replay checks the FIFO invariant too.)
 *
 * <p>Expectations are run-length coded: for read {@code r}, runs {@link #firstRun}{@code (r)} to
 * {@code firstRun(r + 1)} give (sectors, source) in order.
 */
final class ReplayPlan {
    static final int SECTOR = 512;

    final int count;
    private final TraceOp[] ops;
    private final long[] firstSector;
    private final int[] sectors;
    private final long[] timeMicros;
    private final int[] runFrom;
    private final int[] runLength;
    private final int[] runSource;
    final SectorModel model;
    final long deviceSectors;
    final long readBytes;
    final long writeBytes;
    final long discardBytes;
    final long traceRecords;
    final long skippedNonIo;
    final long skippedEmpty;
    final long skippedOutside;
    final long clipped;
    final long widened;
    /** Every record has a timestamp and they never go backwards: time shifts can follow trace time. */
    final boolean timeOrdered;

    private ReplayPlan(Builder b, TraceReader reader, DeviceClipper clipper) {
        count = b.count;
        ops = Arrays.copyOf(b.ops, count);
        firstSector = Arrays.copyOf(b.first, count);
        sectors = Arrays.copyOf(b.sectors, count);
        timeMicros = Arrays.copyOf(b.time, count);
        b.runFrom.add(b.runLength.size());
        runFrom = b.runFrom.toIntArray();
        runLength = b.runLength.toIntArray();
        runSource = b.runSource.toIntArray();
        model = b.model;
        deviceSectors = clipper.usableBytes() / SECTOR;
        readBytes = b.readBytes;
        writeBytes = b.writeBytes;
        discardBytes = b.discardBytes;
        traceRecords = b.traceRecords;
        skippedNonIo = reader.skipped().total();
        skippedEmpty = clipper.skippedEmpty();
        skippedOutside = clipper.skippedOutside();
        clipped = clipper.clipped();
        widened = clipper.widened();
        timeOrdered = b.timeOrdered;
    }

    /**
     * Reads {@code reader} to its end (or {@code limit} replayed records) and plans the replay on a
     * device of {@code deviceBytes}.
     */
    static ReplayPlan build(TraceReader reader, long deviceBytes, long limit) {
        DeviceClipper clipper = new DeviceClipper(deviceBytes);
        Builder b = new Builder();
        TraceRecord.Mutable r = new TraceRecord.Mutable();
        while (b.count < limit && reader.next(r)) {
            b.traceRecords++;
            if (clipper.clip(r)) {
                b.add(r);
            }
        }
        return new ReplayPlan(b, reader, clipper);
    }

    TraceOp op(int request) {
        return ops[request];
    }

    long firstSector(int request) {
        return firstSector[request];
    }

    int sectors(int request) {
        return sectors[request];
    }

    /** The request's trace timestamp, or -1 when the trace has none. */
    long timeMicros(int request) {
        return timeMicros[request];
    }

    /**
     * The first record at or after trace time {@code micros} (count when none); only when
     * {@link #timeOrdered}.
     */
    int firstAtOrAfter(long micros) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timeMicros[mid] < micros) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The sources after records {@code [0, end)} in trace order: the plan replayed into a new model. */
    SectorModel modelBefore(int end) {
        SectorModel m = new SectorModel();
        for (int r = 0; r < end; r++) {
            switch (op(r)) {
                case WRITE -> m.write(firstSector(r), sectors(r), r);
                case DISCARD -> m.discard(firstSector(r), sectors(r), r);
                default -> {
                    // reads and flushes change nothing
                }
            }
        }
        return m;
    }

    long bytes(int request) {
        return (long) sectors[request] * SECTOR;
    }

    /** Read {@code request}'s expected sources are runs {@code firstRun(request)} to {@code firstRun(request + 1)}. */
    long firstRun(int request) {
        return runFrom[request];
    }

    /** Sectors in run {@code run}. */
    int runLength(long run) {
        return runLength[(int) run];
    }

    /** What run {@code run}'s sectors held when the read was issued in trace order ({@link SectorModel} sources). */
    int runSource(long run) {
        return runSource[(int) run];
    }

    /** Bytes the model's table and the plan's arrays occupy. */
    long planBytes() {
        return count * (8L + 4 + 8 + 4) + (runLength.length + runSource.length + runFrom.length) * 4L;
    }

    private static final class Builder {
        int count;
        TraceOp[] ops = new TraceOp[1024];
        long[] first = new long[1024];
        int[] sectors = new int[1024];
        long[] time = new long[1024];
        final IntArrayList runFrom = new IntArrayList();
        final IntArrayList runLength = new IntArrayList();
        final IntArrayList runSource = new IntArrayList();
        final SectorModel model = new SectorModel();
        long readBytes;
        long writeBytes;
        long discardBytes;
        long traceRecords;
        boolean timeOrdered = true;

        void add(TraceRecord.Mutable r) {
            if (count == ops.length) {
                int n = count * 2;
                ops = Arrays.copyOf(ops, n);
                first = Arrays.copyOf(first, n);
                sectors = Arrays.copyOf(sectors, n);
                time = Arrays.copyOf(time, n);
            }
            int i = count++;
            long s = r.offset() / SECTOR;
            int n = (int) Math.min(Integer.MAX_VALUE, r.length() / SECTOR);
            ops[i] = r.op();
            first[i] = s;
            sectors[i] = r.op().hasRange() ? n : 0;
            time[i] = r.timestampMicros();
            timeOrdered &= time[i] >= 0 && (i == 0 || time[i] >= time[i - 1]);
            runFrom.add(runLength.size());
            switch (r.op()) {
                case READ -> {
                    readBytes += r.length();
                    expect(s, n);
                }
                case WRITE -> {
                    writeBytes += r.length();
                    model.write(s, n, i);
                }
                case DISCARD -> {
                    discardBytes += r.length();
                    model.discard(s, n, i);
                }
                case FLUSH -> {
                    // nothing changes what the sectors hold
                }
            }
        }

        private void expect(long first, int n) {
            int source = model.sourceOf(first);
            int run = 0;
            for (long s = first, end = first + n; s < end; s++) {
                int next = model.sourceOf(s);
                if (next != source) {
                    runLength.add(run);
                    runSource.add(source);
                    source = next;
                    run = 0;
                }
                run++;
            }
            runLength.add(run);
            runSource.add(source);
        }
    }
}
