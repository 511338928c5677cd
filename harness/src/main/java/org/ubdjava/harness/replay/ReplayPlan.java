package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.file.Path;
import java.util.function.LongUnaryOperator;

import org.ubdjava.core.UbdException;
import org.ubdjava.harness.trace.DeviceClipper;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceRecord;

/**
 * The trace read once, fitted to the device and shared by every VM, together with what each read
 * must return.
 *
 * <p>Why one expectation serves every VM: a VM submits its requests in trace order from one
 * thread, and the driver executes a disk's requests in submission order, so a read sees exactly
 * the writes and discards that precede it in the trace, however many requests are in flight and
 * whether or not they overlap. The expected source of every sector of every read is therefore a
 * property of the trace alone, computed here in one pass with one {@link SectorModel}; a VM only
 * adds its own index, offset rotation and starting record ({@link VmSchedule} shows why a VM that
 * starts part-way through can still use them). (If the driver ever reordered overlapping requests, the
 * reads would come back with the wrong stamps: the replay checks the FIFO invariant too.)
 *
 * <p>Expectations are run-length coded: for read {@code r}, runs {@link #firstRun}{@code (r)} to
 * {@code firstRun(r + 1)} give (sectors, source) in order.
 *
 * <p>Storage: the records and runs grow with the trace (32 bytes a record, 8 a run, whatever the
 * number of VMs), so they live off the heap in a {@link PlanFile}, mapped from an unlinked file in
 * the spill directory: a trace of hundreds of millions of records plans in a small heap. Only the
 * {@link SectorModel} stays on the heap; it grows with the sectors written, bounded by the device.
 * Requests are int-indexed: a plan holds at most {@value #MAX_RECORDS} records (runs are
 * long-indexed, a trace may have more).
 */
final class ReplayPlan implements VmPlacement.Shape {
    /**
     * 2^31 - 1: requests and the model's sources are ints, and index {@code count} must exist too
     * ({@code firstRun(count)}); the last request, 2^31 - 2, keeps a discard's {@code ~request} clear
     * of {@link SectorModel#BACKING}.
     */
    static final int MAX_RECORDS = Integer.MAX_VALUE;

    final int count;
    private final PlanFile file;
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
    /** The trace, as messages name it. */
    final String trace;

    private ReplayPlan(Builder b, PlanFile file, TraceReader reader, DeviceClipper clipper) {
        count = b.count;
        this.file = file;
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
        trace = String.valueOf(reader.path());
    }

    /** I/O records not replayed as recorded: wholly outside the device (skipped) or partly (clipped to it). */
    long notReplayed() {
        return skippedOutside + clipped;
    }

    /**
     * Reads {@code reader} to its end (or {@code limit} replayed records) and plans the replay on a
     * device of {@code deviceBytes}, spilling the plan to {@code spillDir} (see the class comment).
     *
     * @throws UbdException if the spill directory cannot take the plan, or the trace has more than
     *     {@value #MAX_RECORDS} records to replay
     */
    static ReplayPlan build(TraceReader reader, long deviceBytes, long limit, Path spillDir) {
        return build(reader, deviceBytes, limit, spillDir, PlanFile.CHUNK_SHIFT);
    }

    /** With the plan mapped in chunks of 2^{@code chunkShift} bytes (small ones for tests). */
    static ReplayPlan build(TraceReader reader, long deviceBytes, long limit, Path spillDir, int chunkShift) {
        DeviceClipper clipper = new DeviceClipper(deviceBytes);
        try (PlanFile.Writer out = new PlanFile.Writer(spillDir, chunkShift)) {
            Builder b = new Builder(out);
            TraceRecord.Mutable r = new TraceRecord.Mutable();
            while (b.count < limit && reader.next(r)) {
                b.traceRecords++;
                if (clipper.clip(r)) {
                    if (b.count == MAX_RECORDS) {
                        throw new UbdException(reader.path() + ": more than " + MAX_RECORDS
                                + " records to replay, the most a plan holds (replay a part with --limit)");
                    }
                    b.add(r);
                }
            }
            return new ReplayPlan(b, out.finish(), reader, clipper);
        }
    }

    TraceOp op(int request) {
        return file.op(request);
    }

    long firstSector(int request) {
        return file.firstSector(request);
    }

    int sectors(int request) {
        return file.sectors(request);
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

    /** The request's trace timestamp, or -1 when the trace has none. */
    @Override
    public long timeMicros(int request) {
        return file.timeMicros(request);
    }

    /**
     * The first record at or after trace time {@code micros} (count when none); only when
     * {@link #timeOrdered}.
     */
    int firstAtOrAfter(long micros) {
        return VmPlacement.firstAtOrAfter(this, micros);
    }

    /** The sources after records {@code [0, end)} in trace order: the plan replayed into a new model. */
    /** Bitmap words of the largest device whose expected bitmap is kept as an array (128 MiB). */
    static final long MAX_WORDS = 1L << 24;
    private long[] writtenWords;

    /** {@link VmSchedule#writtenWords()} of an unshifted VM, made on first need and shared. */
    synchronized long[] writtenWords() {
        if (writtenWords == null) {
            writtenWords = words(model, deviceSectors, LongUnaryOperator.identity());
        }
        return writtenWords;
    }

    /** The model's sectors, placed by {@code place}, as bitmap words. */
    static long[] words(SectorModel model, long deviceSectors, LongUnaryOperator place) {
        long[] words = new long[(int) ((deviceSectors + 63) >>> 6)];
        for (var it = model.view().keySet().iterator(); it.hasNext(); ) {
            long d = place.applyAsLong(it.nextLong());
            words[(int) (d >>> 6)] |= 1L << d;
        }
        return words;
    }

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
        return (long) file.sectors(request) * SECTOR;
    }

    /** Read {@code request}'s expected sources are runs {@code firstRun(request)} to {@code firstRun(request + 1)}. */
    long firstRun(int request) {
        return file.firstRun(request);
    }

    /** Sectors in run {@code run}. */
    int runLength(long run) {
        return file.runLength(run);
    }

    /** What run {@code run}'s sectors held when the read was issued in trace order ({@link SectorModel} sources). */
    int runSource(long run) {
        return file.runSource(run);
    }

    /** Bytes of the plan's records and runs, mapped off the heap (the model is counted apart). */
    long planBytes() {
        return file.mappedBytes();
    }

    private static final class Builder {
        final PlanFile.Writer out;
        final SectorModel model = new SectorModel();
        int count;
        long readBytes;
        long writeBytes;
        long discardBytes;
        long traceRecords;
        boolean timeOrdered = true;
        long lastTime;

        Builder(PlanFile.Writer out) {
            this.out = out;
        }

        void add(TraceRecord.Mutable r) {
            int i = count++;
            long s = r.offset() / SECTOR;
            int n = (int) Math.min(Integer.MAX_VALUE, r.length() / SECTOR);
            long time = r.timestampMicros();
            timeOrdered &= time >= 0 && (i == 0 || time >= lastTime);
            lastTime = time;
            out.record(r.op(), s, r.op().hasRange() ? n : 0, time);
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
                    out.run(run, source);
                    source = next;
                    run = 0;
                }
                run++;
            }
            out.run(run, source);
        }
    }
}
