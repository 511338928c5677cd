package org.ubdjava.harness.replay;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import org.ubdjava.core.format.Preallocation;
import org.ubdjava.driver.device.AllocationUnitDevice;
import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.harness.trace.TraceReader;

/**
 * What to replay and how.
 *
 * @param traces       opens each trace (each called once: a plan is shared by every VM that replays it);
 *                     VM i replays trace {@code i % traces.size()}
 * @param spec         the kernel SPEC, e.g. {@code ubd0=/tmp/run/vm.cow,/tmp/base.img}
 * @param vms          number of VMs, each with its own COW file
 * @param maxInflight  requests each VM keeps outstanding
 * @param pace         0: as fast as possible; otherwise trace time divided by this
 * @param seed         seeds the data written and the random shifts
 * @param shiftTime    where in its trace each VM starts (it wraps around and replays every record once)
 * @param shiftSpace   how far each VM rotates its offsets
 * @param atOnce       at most this many VMs run at a time (0: all); a finished VM's COW file is
 *                     checked, then deleted so disk use stays bounded
 * @param force        replace COW files left by an earlier run
 * @param mergeChecks  VMs whose COW file is merged and compared in full
 * @param limit        at most this many records of each trace are replayed
 * @param fault        a fault injected into every disk, or null
 * @param out          where report.json and report.html go, or null
 * @param oracle       VMs whose COW files the real kernel reads back (0: none)
 * @param preallocation how the replay makes each VM's COW file: sparse, as the kernel does, or with
 *                     every block reserved first (fallocate), as fio's copies are whole before its clock starts
 * @param allocationUnit bytes by which a sparse COW file grows while its VM runs (the driver's
 *                     {@code AllocationUnitDevice}: a first write reserves its whole unit, close gives back
 *                     the unused runs of 64 KiB or more); 0: block by block, as the kernel's files grow
 * @param allowSkipped the run may pass although records of its traces lie outside the device and
 *                     were not replayed as recorded (a run that replayed nothing never passes)
 * @param shard        which of the run's VMs this process replays, or null for all of them (the whole
 *                     run); every other option keeps its whole-run meaning ({@code vms} is the whole
 *                     fleet's), except {@code atOnce}, {@code mergeChecks} and {@code oracle}, which
 *                     count this process's VMs
 * @param startAtEpochMs the wall-clock instant (epoch milliseconds) at which the run starts its clock,
 *                     so that shards on several hosts run together; one already past starts at once and
 *                     the report says how late; 0: at once, without waiting
 */
public record ReplayOptions(List<Supplier<TraceReader>> traces, String spec, int vms, int maxInflight, double pace, long seed,
                            Shift shiftTime, Shift shiftSpace, int atOnce, boolean force, int mergeChecks, long limit,
                            FaultInjectingDevice.Fault fault, Path out, int oracle, Preallocation preallocation,
                            long allocationUnit, boolean allowSkipped, Shard shard, long startAtEpochMs) {

    /** How VMs spread over a dimension (trace time or device offsets). */
    public enum Shift {
        /** Every VM the same. */
        NONE,
        /** VM i at i/N of the way (of the trace's duration, or of the device). */
        EVEN,
        /** Each VM at a point drawn from its own seed (the run's seed and its index). */
        RANDOM
    }

    public ReplayOptions {
        traces = List.copyOf(traces);
        if (preallocation == null) {
            throw new IllegalArgumentException("no preallocation (Preallocation.OFF for sparse COW files)");
        }
        AllocationUnitDevice.requireUnit(allocationUnit);
        if (traces.isEmpty()) {
            throw new IllegalArgumentException("no trace");
        }
        if (startAtEpochMs < 0) {
            throw new IllegalArgumentException("start at " + startAtEpochMs + ": an instant is not negative");
        }
    }

    /**
     * Options with every value a replay uses unless told (those of {@code ubd replay} without
     * options): one VM, 16 requests in flight, as fast as it goes, seed 1, no shifts, two merge
     * checks, sparse COW files growing by {@link #DEFAULT_ALLOCATION_UNIT}.
     */
    public static Builder builder(List<Supplier<TraceReader>> traces, String spec) {
        return new Builder(traces, spec);
    }

    /** A copy of these options to change some of. */
    public Builder toBuilder() {
        return new Builder(traces, spec).vms(vms).maxInflight(maxInflight).pace(pace).seed(seed).shifts(shiftTime, shiftSpace)
                .atOnce(atOnce).force(force).mergeChecks(mergeChecks).limit(limit).fault(fault).out(out).oracle(oracle)
                .preallocation(preallocation).allocationUnit(allocationUnit).allowSkipped(allowSkipped).shard(shard)
                .startAt(startAtEpochMs);
    }

    /** Named options, checked together by {@link #build}. */
    public static final class Builder {
        private final List<Supplier<TraceReader>> traces;
        private final String spec;
        private int vms = 1;
        private int maxInflight = 16;
        private double pace;
        private long seed = 1;
        private Shift shiftTime = Shift.NONE;
        private Shift shiftSpace = Shift.NONE;
        private int atOnce;
        private boolean force;
        private int mergeChecks = 2;
        private long limit = Long.MAX_VALUE;
        private FaultInjectingDevice.Fault fault;
        private Path out;
        private int oracle;
        private Preallocation preallocation = Preallocation.OFF;
        private long allocationUnit = DEFAULT_ALLOCATION_UNIT;
        private boolean allowSkipped;
        private Shard shard;
        private long startAtEpochMs;

        private Builder(List<Supplier<TraceReader>> traces, String spec) {
            this.traces = traces;
            this.spec = spec;
        }

        public Builder vms(int n) { vms = n; return this; }
        public Builder maxInflight(int n) { maxInflight = n; return this; }
        public Builder pace(double x) { pace = x; return this; }
        public Builder seed(long s) { seed = s; return this; }
        public Builder shifts(Shift time, Shift space) { shiftTime = time; shiftSpace = space; return this; }
        public Builder atOnce(int n) { atOnce = n; return this; }
        public Builder force(boolean f) { force = f; return this; }
        public Builder mergeChecks(int n) { mergeChecks = n; return this; }
        public Builder limit(long records) { limit = records; return this; }
        public Builder fault(FaultInjectingDevice.Fault f) { fault = f; return this; }
        public Builder out(Path dir) { out = dir; return this; }
        public Builder oracle(int n) { oracle = n; return this; }
        public Builder preallocation(Preallocation p) { preallocation = p; return this; }
        public Builder allocationUnit(long bytes) { allocationUnit = bytes; return this; }
        public Builder allowSkipped(boolean allow) { allowSkipped = allow; return this; }
        public Builder shard(Shard s) { shard = s; return this; }
        public Builder startAt(long epochMs) { startAtEpochMs = epochMs; return this; }

        public ReplayOptions build() {
            return new ReplayOptions(traces, spec, vms, maxInflight, pace, seed, shiftTime, shiftSpace, atOnce, force, mergeChecks, limit,
                    fault, out, oracle, preallocation, allocationUnit, allowSkipped, shard, startAtEpochMs);
        }
    }

    /** What a replay uses unless told: 1 MiB (see bench/README.md for the measurement behind it). */
    public static final long DEFAULT_ALLOCATION_UNIT = 1 << 20;

    /**
     * The unit the driver uses for COW files in {@code dir}: none over preallocated files, which
     * have no holes to fill, nor where units cannot help ({@link AllocationUnitDevice#worksOn}).
     */
    public long allocationUnitIn(Path dir) {
        return preallocation == Preallocation.OFF && AllocationUnitDevice.worksOn(dir) ? allocationUnit : 0;
    }

    /**
     * Heap every VM surely takes for the whole run, whatever its trace: its COW path, schedule,
     * replayer and attached disk's objects. A floor: about 50 KiB a VM were measured with 16
     * requests in flight (4,008 VMs of the demo trace in 217 MiB).
     */
    public static final long HEAP_PER_VM = 16 << 10;

    /** Heap each request a VM may keep in flight takes: its slot's arrays (20 bytes) and two batch entries (80). */
    public static final long HEAP_PER_SLOT = 100;

    /** The least heap {@code vms} VMs of {@code maxInflight} requests in flight take (a double: it must not overflow). */
    public static double heapFloor(long vms, long maxInflight) {
        return vms * (HEAP_PER_VM + (double) maxInflight * HEAP_PER_SLOT);
    }

    /** The shard this process replays: the whole run when none was given. */
    public Shard part() {
        return shard == null ? WHOLE : shard;
    }

    private static final Shard WHOLE = new Shard(0, 1);

    /** VMs this process replays: the whole fleet's, or its shard's. */
    public int vmsHere() {
        return part().vmsOf(vms);
    }

    /** VMs running at the same time. */
    int live() {
        int here = vmsHere();
        return atOnce <= 0 ? here : Math.min(atOnce, here);
    }

    /** Whether finished VMs' COW files are deleted (only to bound disk use under --at-once). */
    boolean deletesCows() {
        return live() < vmsHere();
    }
}
