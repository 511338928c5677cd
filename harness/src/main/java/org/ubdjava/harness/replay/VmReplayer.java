package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.ByteBuffer;

import org.ubdjava.core.nativeio.DirectMemory;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.ClosedLoop;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.RequestBatch;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.TraceOp;

/**
 * One VM: replays its {@link VmSchedule} on its own disk with up to {@code k} requests in flight,
 * checking every request as it completes: the {@link ClosedLoop.Source} of the VM's
 * {@link ClosedLoop}.
 *
 * <p>A closed loop on the disk's I/O thread, as fio's jobs run theirs: the completion of a request
 * checks it (the read's bytes are still hot in that core's cache), then submits the VM's next
 * request into the ring from the same thread, which picks it up in the same batch. Nothing parks
 * or wakes per request; the owning worker only starts the VM (its first {@code k} requests in one
 * {@link RequestBatch}), is woken once when it has finished, and takes it back in the rare case
 * that the ring had no room while nothing of the VM was in flight. Under {@code --pace} the worker
 * submits instead, when each request is due ({@link ClosedLoop#fromOwner}); completions still check.
 *
 * <p>Threads: the loop's slot {@code n % k} holds the VM's n-th request. The slots' fields here
 * are written by whoever submits and read by the completion, which the publish orders (see
 * {@link ClosedLoop}); the per-VM results by the disk's I/O thread, read once the VM finished.
 *
 * <p>Allocation: none per request. Each slot keeps its direct buffer, grown to the largest
 * request it carried under the {@link BufferBudget}; a request whose rotated range runs past the
 * end of the device is sent as two parts, and only that rare case allocates (a buffer view).
 */
final class VmReplayer implements ClosedLoop.Source {
    final int vm;
    final Disk disk;
    final VmSchedule schedule;
    private final ReplayPlan plan;
    private final ClosedLoop loop;
    private final double pace;
    private final ReadVerifier verifier;
    private final IoTally tally;
    private final MismatchLog log;
    private final BufferBudget budget;

    private final int[] slotRequest;
    private final long[] slotSubmitNanos;
    private final ByteBuffer[] slotBuffer;
    private boolean started;
    /** When this VM started: its trace time 0 under --pace. */
    private long startNanos;
    /** Under --pace: the time of the worker's pump, and when the first request not yet due is. */
    private long pumpNanos;
    private long dueNanos;

    // per-VM results, written by the disk's I/O thread, read after the VM finished
    long requests;
    long bytes;
    long readsVerified;
    long badSectors;
    long errors;
    long firstSubmitNanos;
    long lastDoneNanos;

    VmReplayer(VmSchedule schedule, Disk disk, UbdDriver driver, ReplayOptions o, ReadVerifier verifier,
               IoTally tally, MismatchLog log, BufferBudget budget) {
        this.vm = schedule.vm;
        this.disk = disk;
        this.schedule = schedule;
        this.plan = schedule.plan;
        int k = inflight(o, plan);
        this.pace = o.pace();
        this.verifier = verifier;
        this.tally = tally;
        this.log = log;
        this.budget = budget;
        slotRequest = new int[k];
        slotSubmitNanos = new long[k];
        slotBuffer = new ByteBuffer[k];
        loop = pace > 0 ? ClosedLoop.fromOwner(driver, disk, k, this) : ClosedLoop.fromCompletions(driver, disk, k, this);
    }

    /** Requests a VM keeps in flight: never more slots than its plan has requests. */
    static int inflight(ReplayOptions o, ReplayPlan plan) {
        return Math.min(o.maxInflight(), Math.max(1, plan.count));
    }

    /** Room for {@code maxInflight} requests, each of which may take two parts (a wrap). */
    static RequestBatch newBatch(int maxInflight) {
        return ClosedLoop.batchFor(maxInflight);
    }

    boolean done() {
        return loop.finished();
    }

    /** What checking a completed request threw: the worker rethrows it (the I/O thread must go on serving other disks). */
    Throwable failure() {
        return loop.failure();
    }

    /** The worker that looks after this VM: woken when it finishes, stalls or fails, and under --pace at every completion. */
    void watchedBy(Thread worker) {
        loop.watchedBy(worker);
    }

    /**
     * Lets go of this VM's request buffers once its last request has completed, and says how much
     * direct memory they held, for the budget. The fleet keeps every VM's replayer for the report,
     * so buffers left here would stay reachable and a run in turns (--at-once) would need the
     * memory of the whole fleet instead of the VMs running.
     */
    long releaseBuffers() {
        long b = 0;
        for (int i = 0; i < slotBuffer.length; i++) {
            if (slotBuffer[i] != null) {
                b += slotBuffer[i].capacity();
                DirectMemory.free(slotBuffer[i]);
                slotBuffer[i] = null;
            }
        }
        return b;
    }

    /**
     * The worker's part: starts the VM, takes it back after a stall, or under --pace submits what
     * is due.
     *
     * @param own the worker's batch ({@link #newBatch}), empty
     * @return nanoTime before which the worker has nothing to do for this VM unless woken
     */
    long pump(long now, RequestBatch own) {
        if (loop.finished()) {
            return now;
        }
        if (!started) {
            startNanos = now;
            started = true;
        } else if (pace <= 0 && !loop.stalled()) {
            return Long.MAX_VALUE; // the closed loop drives it
        }
        pumpNanos = now;
        dueNanos = Long.MAX_VALUE;
        if (!loop.pump(own) && pace <= 0) {
            return now + 10_000; // the ring was full: try again shortly
        }
        return loop.finished() ? now : dueNanos;
    }

    /** The loop asks for the VM's {@code pos}-th request: not yet under --pace before it is due, or while the budget has no buffer for it. */
    @Override
    public ClosedLoop.Next next(long pos, int slot, ClosedLoop.Requests to) {
        if (pos >= plan.count) {
            return ClosedLoop.Next.END;
        }
        if (pace > 0) {
            long ts = schedule.elapsedMicros((int) pos);
            if (ts >= 0) {
                long at = startNanos + (long) (ts * 1000.0 / pace);
                if (at < startNanos) {
                    at = Long.MAX_VALUE; // a pace so slow that the time is past the clock's range: never due
                }
                if (pumpNanos < at) {
                    dueNanos = at;
                    return ClosedLoop.Next.LATER;
                }
            }
        }
        // no buffer within the budget: this VM's own completions will free one
        return add(to, (int) pos, slot) ? ClosedLoop.Next.ADDED : ClosedLoop.Next.LATER;
    }

    private boolean add(ClosedLoop.Requests to, int pos, int slot) {
        int request = schedule.request(pos);
        TraceOp op = plan.op(request);
        int n = plan.sectors(request);
        ByteBuffer buf = null;
        if (op == TraceOp.READ || op == TraceOp.WRITE) {
            buf = buffer(slot, n * SECTOR, loop.completedCount() == pos);
            if (buf == null) {
                return false;
            }
        }
        long first = plan.firstSector(request);
        long device = schedule.device(first);
        if (op == TraceOp.WRITE) {
            for (int i = 0; i < n; i++) {
                verifier.data().fill(buf, i * SECTOR, vm, request, schedule.device(first + i));
            }
        }
        slotRequest[slot] = request;
        long now = System.nanoTime();
        slotSubmitNanos[slot] = now;
        if (firstSubmitNanos == 0) {
            firstSubmitNanos = now;
        }
        IoOp io = switch (op) {
            case READ -> IoOp.READ;
            case WRITE -> IoOp.WRITE;
            case DISCARD -> IoOp.DISCARD;
            case FLUSH -> IoOp.FLUSH;
        };
        long room = plan.deviceSectors - device;
        if (op == TraceOp.FLUSH || n <= room) {
            to.add(io, device * SECTOR, buf, (long) n * SECTOR);
            return true;
        }
        // wraps around the end of the device: two parts, the second at sector 0
        ByteBuffer tail = null;
        if (buf != null) {
            tail = buf.duplicate().position((int) room * SECTOR);
            buf.limit((int) room * SECTOR);
        }
        to.addPart(io, device * SECTOR, buf, room * SECTOR);
        to.add(io, 0, tail, (n - room) * SECTOR);
        return true;
    }

    /** The slot's buffer with at least {@code bytes}, position 0 and limit {@code bytes}; null when the budget says wait. */
    private ByteBuffer buffer(int slot, int bytes, boolean nothingInFlight) {
        ByteBuffer b = slotBuffer[slot];
        if (b == null || b.capacity() < bytes) {
            int size = Integer.highestOneBit(Math.max(bytes, SECTOR) - 1) << 1;
            long grow = size - (b == null ? 0 : b.capacity());
            if (nothingInFlight) {
                budget.force(grow);
            } else if (!budget.tryReserve(grow)) {
                return null;
            }
            b = ByteBuffer.allocateDirect(size);
            slotBuffer[slot] = b;
        }
        b.clear().limit(bytes);
        return b;
    }

    /** Checks the VM's request in {@code slot} and counts it; on the disk's I/O thread. */
    @Override
    public void completed(int slot, IoStatus status) {
        long doneNanos = System.nanoTime();
        int request = slotRequest[slot];
        ByteBuffer buf = slotBuffer[slot];
        TraceOp op = plan.op(request);
        lastDoneNanos = Math.max(lastDoneNanos, doneNanos);
        requests++;
        long b = plan.bytes(request);
        if (status != IoStatus.OK) {
            errors++;
            log.problem("vm " + vm + " request " + request + " (" + op + " of " + plan.sectors(request)
                    + " sectors at trace sector " + plan.firstSector(request) + "): " + status);
        } else if (op == TraceOp.READ) {
            buf.clear().limit((int) b);
            badSectors += verifier.check(schedule, request, buf);
            readsVerified++;
        }
        if (op == TraceOp.READ || op == TraceOp.WRITE) {
            bytes += b;
        }
        tally.completed(schedule.trace, doneNanos - slotSubmitNanos[slot], b);
    }
}
