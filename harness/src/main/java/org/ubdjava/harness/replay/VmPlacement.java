package org.ubdjava.harness.replay;

import java.util.SplittableRandom;

import org.ubdjava.harness.replay.ReplayOptions.Shift;

/**
 * Where VM i starts in its trace and how far it rotates its offsets: the replay's schedule,
 * also used by the cache simulator so that a simulated fleet is the fleet {@code ubd replay}
 * runs. VM i replays trace i mod T; even shifts spread the VMs that share a trace over its
 * duration (by trace time when the timestamps allow, else by record) and over the device; random
 * ones draw from a generator seeded by the run's seed and the VM's index, so a run is repeatable.
 *
 * @param start the trace record the VM replays first (it wraps around and replays every record once)
 * @param shift sectors added to every offset, modulo the device
 */
public record VmPlacement(int start, long shift) {

    /** What the schedule needs to know of a trace. */
    public interface Shape {
        /** Records the VM replays. */
        int count();

        /** The device's size in 512-byte sectors (the modulus of a shift in space). */
        long deviceSectors();

        /** Every record has a timestamp and they never go backwards. */
        boolean timeOrdered();

        /** Record {@code r}'s timestamp in microseconds (only when {@link #timeOrdered}). */
        long timeMicros(int r);
    }

    /** The placement of VM {@code vm} of {@code vms}, on trace {@code vm % traces} whose shape is {@code trace}. */
    public static VmPlacement of(int vm, int vms, int traces, Shape trace, Shift time, Shift space, long seed) {
        int rank = vm / traces;
        int peers = (vms - vm % traces + traces - 1) / traces;
        SplittableRandom random = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * (vm + 1L));
        int start = switch (time) {
            case NONE -> 0;
            case EVEN -> evenStart(trace, rank, peers);
            case RANDOM -> trace.count() == 0 ? 0 : random.nextInt(trace.count());
        };
        long shift = switch (space) {
            case NONE -> 0;
            case EVEN -> rank * (trace.deviceSectors() / peers);
            case RANDOM -> random.nextLong(trace.deviceSectors());
        };
        return new VmPlacement(start, shift);
    }

    private static int evenStart(Shape trace, int rank, int peers) {
        int count = trace.count();
        if (count == 0) {
            return 0;
        }
        if (trace.timeOrdered()) {
            long first = trace.timeMicros(0);
            long span = trace.timeMicros(count - 1) - first;
            int at = firstAtOrAfter(trace, first + (long) ((double) span * rank / peers));
            return Math.min(at, count - 1);
        }
        return (int) ((long) count * rank / peers);
    }

    /** The first record at or after trace time {@code micros} ({@code count} when none); only when time-ordered. */
    static int firstAtOrAfter(Shape trace, long micros) {
        int lo = 0;
        int hi = trace.count();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (trace.timeMicros(mid) < micros) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
