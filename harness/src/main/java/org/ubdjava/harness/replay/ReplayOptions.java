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
 */
public record ReplayOptions(List<Supplier<TraceReader>> traces, String spec, int vms, int maxInflight, double pace, long seed,
                            Shift shiftTime, Shift shiftSpace, int atOnce, boolean force, int mergeChecks, long limit,
                            FaultInjectingDevice.Fault fault, Path out, int oracle, Preallocation preallocation,
                            long allocationUnit, boolean allowSkipped) {

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
    }

    /** Options of a run that must replay its traces whole to pass. */
    public ReplayOptions(List<Supplier<TraceReader>> traces, String spec, int vms, int maxInflight, double pace, long seed,
                         Shift shiftTime, Shift shiftSpace, int atOnce, boolean force, int mergeChecks, long limit,
                         FaultInjectingDevice.Fault fault, Path out, int oracle, Preallocation preallocation, long allocationUnit) {
        this(traces, spec, vms, maxInflight, pace, seed, shiftTime, shiftSpace, atOnce, force, mergeChecks, limit, fault, out, oracle,
                preallocation, allocationUnit, false);
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

    /** VMs running at the same time. */
    int live() {
        return atOnce <= 0 ? vms : Math.min(atOnce, vms);
    }

    /** Whether finished VMs' COW files are deleted (only to bound disk use under --at-once). */
    boolean deletesCows() {
        return live() < vms;
    }
}
