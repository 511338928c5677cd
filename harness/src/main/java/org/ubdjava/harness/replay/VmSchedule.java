package org.ubdjava.harness.replay;

/**
 * What one VM replays: which plan, from which record, at which offset. Every VM replays every
 * record of its plan exactly once, in trace order, but may start part-way through and wrap around
 * (shifted in time: record {@link #start} first) and may rotate every offset by {@link #shift}
 * sectors modulo the device (shifted in space).
 *
 * <p>Why the plan's expectations still serve a VM that starts at record {@code a}: the plan knows,
 * for each sector of read {@code j}, the source {@code s} that wrote it last before {@code j} in
 * trace order, and the model knows the source {@code f} that wrote it last in the whole trace.
 * <ul>
 * <li>Before wrapping ({@code j >= a}) the VM has replayed {@code [a, j)}: the sector holds
 *     {@code s} if {@code s} is in that range, otherwise nothing the VM wrote (it was written, if at
 *     all, before {@code a}).</li>
 * <li>After wrapping ({@code j < a}) the VM has replayed {@code [a, n)} and then {@code [0, j)}:
 *     the sector holds {@code s} if there is one; failing that, the last write of {@code [a, n)},
 *     which is {@code f} when {@code f >= a} (no write falls in {@code [0, j)}, so {@code f}, the
 *     last of all, is in {@code [j, n)}; if it is below {@code a}, nothing in {@code [a, n)} wrote
 *     the sector).</li>
 * </ul>
 * After the whole replay the VM's last write to a sector is its last one in {@code [0, a)} if any
 * (those come last in its order), else the model's final source: see {@link #finalSource}.
 */
final class VmSchedule {
    final int vm;
    /** Which of the replay's traces {@link #plan} is (its index in the order given): the figures a trace gathers. */
    final int trace;
    final ReplayPlan plan;
    /** The plan record this VM replays first. */
    final int start;
    /** Sectors added to every trace offset, modulo the device. */
    final long shift;
    /** Sources after records {@code [0, start)}, made on first need (final-state checks of a few VMs). */
    private SectorModel beforeStart;

    VmSchedule(int vm, int trace, ReplayPlan plan, int start, long shift) {
        if (start < 0 || (start > 0 && start >= plan.count) || shift < 0 || (shift > 0 && shift >= plan.deviceSectors)) {
            throw new IllegalArgumentException("start " + start + " of " + plan.count + ", shift " + shift + " of " + plan.deviceSectors);
        }
        this.vm = vm;
        this.trace = trace;
        this.plan = plan;
        this.start = start;
        this.shift = shift;
    }

    /** The plan record replayed at {@code position} (0 to count - 1). */
    int request(int position) {
        int r = start + position;
        return r >= plan.count ? r - plan.count : r;
    }

    /**
     * Trace time from this VM's first record to the one at {@code position}, in microseconds; the
     * wrapped part follows the end of the trace with no gap. -1 when the trace has no timestamps.
     */
    long elapsedMicros(int position) {
        int r = request(position);
        long t = plan.timeMicros(r);
        if (t < 0) {
            return -1;
        }
        long first = plan.timeMicros(start);
        return r >= start ? t - first : plan.timeMicros(plan.count - 1) - first + t - plan.timeMicros(0);
    }

    /** The device sector this VM uses for trace sector {@code traceSector}. */
    long device(long traceSector) {
        long d = traceSector + shift;
        return d >= plan.deviceSectors ? d - plan.deviceSectors : d;
    }

    /** The trace sector this VM maps to device sector {@code device}. */
    long trace(long device) {
        long t = device - shift;
        return t < 0 ? t + plan.deviceSectors : t;
    }

    /**
     * The source this VM must see at trace sector {@code traceSector} when it reads at record
     * {@code request}, given the trace-order source {@code planned} from the plan (see the class
     * comment).
     */
    int expected(int planned, int request, long traceSector) {
        if (start == 0) {
            return planned;
        }
        if (request >= start) {
            return planned != SectorModel.BACKING && SectorModel.requestOf(planned) >= start ? planned : SectorModel.BACKING;
        }
        if (planned != SectorModel.BACKING) {
            return planned;
        }
        int last = plan.model.sourceOf(traceSector);
        return last != SectorModel.BACKING && SectorModel.requestOf(last) >= start ? last : SectorModel.BACKING;
    }

    /**
     * The sectors this VM's COW bitmap must hold after the whole replay, as bitmap words (bit
     * {@code s & 63} of word {@code s >>> 6}): every sector its trace wrote or discarded, rotated
     * by its shift. Unshifted VMs of one plan share one array, made once (the 64 VMs of the
     * CloudPhysics run each walked a 1.6-million-entry model for it); a shifted VM makes its own
     * and keeps none. Null for a device of more than {@value ReplayPlan#MAX_WORDS} words (512 GiB).
     */
    long[] writtenWords() {
        if ((plan.deviceSectors + 63) >>> 6 > ReplayPlan.MAX_WORDS) {
            return null;
        }
        return shift == 0 ? plan.writtenWords() : ReplayPlan.words(plan.model, plan.deviceSectors, this::device);
    }

    /**
     * The source this VM's device sector {@code device} holds after the whole replay. The first
     * call of a shifted VM replays the plan's records before its start into a model of their
     * own (as large as the sectors they write): only the VMs whose final state is checked pay.
     */
    int finalSource(long device) {
        long t = trace(device);
        if (start > 0) {
            if (beforeStart == null) {
                beforeStart = plan.modelBefore(start);
            }
            int s = beforeStart.sourceOf(t);
            if (s != SectorModel.BACKING) {
                return s;
            }
        }
        return plan.model.sourceOf(t);
    }
}
