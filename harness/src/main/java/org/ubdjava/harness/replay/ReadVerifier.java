package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.ByteBuffer;

import org.ubdjava.core.nativeio.MappedImage;

/**
 * Checks the data of one completed read against its VM's schedule: every sector must hold what
 * its expected source says (a write's {@link SectorData}, zeros, or the backing file's bytes,
 * compared in place in the {@link MappedImage}: nothing of the backing file is read but what
 * the VMs read).
 *
 * <p>One per checking thread (it owns a {@link MappedImage.Reader}).
 */
final class ReadVerifier {
    private final MappedImage.Reader backing;
    private final SectorData data;
    private final SectorData.Checker written;
    private final int vms;
    private final MismatchLog log;

    ReadVerifier(MappedImage backing, SectorData data, int vms, MismatchLog log) {
        this.backing = backing.reader();
        this.data = data;
        this.written = data.checker();
        this.vms = vms;
        this.log = log;
    }

    /** What the VMs write (shared by every thread; see {@link SectorData}). */
    SectorData data() {
        return data;
    }

    /** Backing bytes this verifier compared (never more than the VMs read from the backing file). */
    long backingBytesRead() {
        return backing.bytesRead();
    }

    /**
     * @param request the read's plan record
     * @param buf     the read's data, from position 0
     * @return sectors that did not match
     */
    int check(VmSchedule vm, int request, ByteBuffer buf) {
        ReplayPlan plan = vm.plan;
        int bad = 0;
        long trace = plan.firstSector(request);
        int at = 0;
        // consecutive sectors expected from the backing file, at consecutive device sectors, are
        // compared in one go: [spanAt, at) of buf against the backing from spanDevice
        int spanAt = 0;
        long spanDevice = -1;
        for (long r = plan.firstRun(request), end = plan.firstRun(request + 1); r < end; r++) {
            int planned = plan.runSource(r);
            for (int i = 0, n = plan.runLength(r); i < n; i++, trace++, at += SECTOR) {
                int source = vm.expected(planned, request, trace);
                long device = vm.device(trace);
                if (source == SectorModel.BACKING) {
                    if (spanDevice >= 0 && device == spanDevice + (at - spanAt) / SECTOR) {
                        continue;
                    }
                    bad += backingSpan(vm, request, buf, spanAt, at, spanDevice);
                    spanAt = at;
                    spanDevice = device;
                    continue;
                }
                bad += backingSpan(vm, request, buf, spanAt, at, spanDevice);
                spanDevice = -1;
                if (!matches(buf, at, vm.vm, source, device)) {
                    bad++;
                    mismatch(vm, request, buf, at, source, device);
                }
            }
        }
        return bad + backingSpan(vm, request, buf, spanAt, at, spanDevice);
    }

    /** Checks the span [from, to) of buf against the backing from {@code device}; on a mismatch, sector by sector to count and name them. */
    private int backingSpan(VmSchedule vm, int request, ByteBuffer buf, int from, int to, long device) {
        if (device < 0 || from == to || backing.matches(buf, from, device * SECTOR, to - from)) {
            return 0;
        }
        int bad = 0;
        for (int at = from; at < to; at += SECTOR, device++) {
            if (!backing.matches(buf, at, device * SECTOR, SECTOR)) {
                bad++;
                mismatch(vm, request, buf, at, SectorModel.BACKING, device);
            }
        }
        return bad;
    }

    private void mismatch(VmSchedule vm, int request, ByteBuffer buf, int at, int source, long device) {
        log.mismatch("vm " + vm.vm + " sector " + device + " (read request " + request + "): expected "
                + describeSource(vm.vm, source) + ", got " + data.describe(buf, at, vms, vm.plan.count));
    }

    /** Whether the sector at {@code at} in {@code buf} holds what {@code source} put at device sector {@code device}. */
    boolean matches(ByteBuffer buf, int at, int vm, int source, long device) {
        if (SectorModel.isWrite(source)) {
            return written.mismatch(buf, at, vm, source, device) < 0;
        }
        if (SectorModel.isDiscard(source)) {
            return SectorData.isZero(buf, at);
        }
        return backing.matches(buf, at, device * SECTOR, SECTOR);
    }

    String describeSource(int vm, int source) {
        return SectorModel.isWrite(source) ? "request " + source + " (vm " + vm + ")"
                : SectorModel.isDiscard(source) ? "zeros (discard " + SectorModel.requestOf(source) + ")" : "backing";
    }
}
