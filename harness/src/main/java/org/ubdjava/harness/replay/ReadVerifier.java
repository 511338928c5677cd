package org.ubdjava.harness.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.ubdjava.core.io.Buffers;

/**
 * Checks the data of one completed read against its VM's schedule: every sector must hold what
 * its expected source says (a write's {@link SectorData}, zeros, or the backing file's bytes, read
 * here directly from the backing file, read-only).
 *
 * <p>One per worker thread (it owns a scratch buffer); the backing channel is shared, positional
 * reads being thread-safe.
 */
final class ReadVerifier {
    private final long deviceSectors;
    private final FileChannel backing;
    private final long seed;
    private final int vms;
    private final MismatchLog log;
    /** Backing sectors [cachedFirst, cachedEnd), read ahead. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(1 << 20);
    private long cachedFirst;
    private long cachedEnd;

    ReadVerifier(long deviceSectors, FileChannel backing, long seed, int vms, MismatchLog log) {
        this.deviceSectors = deviceSectors;
        this.backing = backing;
        this.seed = seed;
        this.vms = vms;
        this.log = log;
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
        for (long r = plan.firstRun(request), end = plan.firstRun(request + 1); r < end; r++) {
            int planned = plan.runSource(r);
            for (int i = 0, n = plan.runLength(r); i < n; i++, trace++, at += SectorData.SECTOR) {
                int source = vm.expected(planned, request, trace);
                long device = vm.device(trace);
                if (!matches(buf, at, vm.vm, source, device)) {
                    bad++;
                    log.mismatch("vm " + vm.vm + " sector " + device + " (read request " + request + "): expected "
                            + describeSource(vm.vm, source) + ", got " + SectorData.describe(buf, at, seed, vms, plan.count));
                }
            }
        }
        return bad;
    }

    /** Whether the sector at {@code at} in {@code buf} holds what {@code source} put at device sector {@code device}. */
    boolean matches(ByteBuffer buf, int at, int vm, int source, long device) {
        if (SectorModel.isWrite(source)) {
            return SectorData.mismatch(buf, at, seed, vm, source, device) < 0;
        }
        if (SectorModel.isDiscard(source)) {
            return SectorData.isZero(buf, at);
        }
        return equalsBacking(buf, at, device);
    }

    private boolean equalsBacking(ByteBuffer buf, int at, long device) {
        int base = backingSector(device);
        for (int p = 0; p < SectorData.SECTOR; p += 8) {
            if (buf.getLong(at + p) != scratch.getLong(base + p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where {@code device}'s backing bytes are in {@link #scratch}, reading them (and the sectors
     * after it, which the same read usually wants next) on a miss. The backing file never changes
     * during a replay, so what was read stays valid.
     */
    private int backingSector(long device) {
        if (device < cachedFirst || device >= cachedEnd) {
            long end = Math.min(deviceSectors, device + scratch.capacity() / SectorData.SECTOR);
            scratch.clear().limit((int) ((end - device) * SectorData.SECTOR));
            try {
                // zeros past the end of a backing file whose size is not whole sectors
                Buffers.readOrZeros(backing, scratch, device * SectorData.SECTOR);
            } catch (IOException e) {
                throw new UncheckedIOException("backing file: " + e.getMessage(), e);
            }
            cachedFirst = device;
            cachedEnd = end;
        }
        return (int) ((device - cachedFirst) * SectorData.SECTOR);
    }

    String describeSource(int vm, int source) {
        return SectorModel.isWrite(source) ? "request " + source + " (vm " + vm + ")"
                : SectorModel.isDiscard(source) ? "zeros (discard " + SectorModel.requestOf(source) + ")" : "backing";
    }
}
