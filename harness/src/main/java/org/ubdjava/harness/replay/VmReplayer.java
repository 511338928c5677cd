package org.ubdjava.harness.replay;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.TraceOp;

/**
 * One VM: replays its {@link VmSchedule} on its own disk, keeping up to {@code maxInflight}
 * requests out, and hands each completed request to its worker for checking, in submission order.
 *
 * <p>Threads: {@link #pump} runs on the owning worker only; {@link #complete} runs on the disk's
 * I/O thread, the only writer of {@link #completed}. Requests complete in submission order (one
 * disk, one I/O thread), so slots are a ring: slot {@code n % k} holds the n-th request, and
 * requests {@code harvested .. completed-1} are done but not yet checked.
 *
 * <p>A request whose rotated range runs past the end of the device is sent as two requests (the
 * tag's low bit marks the last part); only that rare case allocates (a buffer view).
 */
final class VmReplayer implements Completion {
    final int vm;
    final Disk disk;
    final VmSchedule schedule;
    private final ReplayPlan plan;
    private final UbdDriver driver;
    private final int k;
    private final long seed;
    private final double pace;

    private final int[] slotRequest;
    private final long[] slotSubmitNanos;
    private final long[] slotDoneNanos;
    private final ByteBuffer[] slotBuffer;
    private final IoStatus[] slotStatus;
    private volatile long completed;
    private long submitted;
    private long harvested;
    /** Position in the schedule of the next request to submit. */
    private int next;
    volatile Thread owner;
    /** When this VM started: its trace time 0 under --pace. */
    private long startNanos;

    // per-VM results, written by the owning worker
    long requests;
    long bytes;
    long readsVerified;
    long badSectors;
    long errors;
    long firstSubmitNanos;
    long lastDoneNanos;

    VmReplayer(VmSchedule schedule, Disk disk, UbdDriver driver, int maxInflight, long seed, double pace) {
        this.vm = schedule.vm;
        this.disk = disk;
        this.schedule = schedule;
        this.plan = schedule.plan;
        this.driver = driver;
        this.k = maxInflight;
        this.seed = seed;
        this.pace = pace;
        slotRequest = new int[k];
        slotSubmitNanos = new long[k];
        slotDoneNanos = new long[k];
        slotBuffer = new ByteBuffer[k];
        slotStatus = new IoStatus[k];
    }

    void started(long nanos) {
        startNanos = nanos;
    }

    boolean done() {
        return next == plan.count && harvested == submitted;
    }

    /**
     * Checks what completed and submits what it may.
     *
     * @return nanoTime before which this VM has nothing to do unless a completion arrives; 0 if it made progress
     */
    long pump(ReplayWorker w) {
        boolean progress = false;
        for (long c = completed; harvested < c; harvested++) {
            finish(w, (int) (harvested % k));
            progress = true;
        }
        long wait = Long.MAX_VALUE;
        while (next < plan.count && submitted - harvested < k) {
            long ts = pace > 0 ? schedule.elapsedMicros(next) : -1;
            if (ts >= 0) {
                long due = startNanos + (long) (ts * 1000.0 / pace);
                long now = System.nanoTime();
                if (now < due) {
                    wait = due;
                    break;
                }
            }
            if (!submitNext(w)) {
                break;
            }
            progress = true;
        }
        return progress ? 0 : wait;
    }

    private boolean submitNext(ReplayWorker w) {
        int request = schedule.request(next);
        TraceOp op = plan.op(request);
        int slot = (int) (submitted % k);
        ByteBuffer buf = null;
        if (op == TraceOp.READ || op == TraceOp.WRITE) {
            buf = w.pool.take(plan.sectors(request) * SectorData.SECTOR);
            if (buf == null) {
                return false;
            }
        }
        long first = plan.firstSector(request);
        long device = schedule.device(first);
        if (op == TraceOp.WRITE) {
            for (int i = 0, n = plan.sectors(request); i < n; i++) {
                SectorData.fill(buf, i * SectorData.SECTOR, seed, vm, request, schedule.device(first + i));
            }
        }
        slotRequest[slot] = request;
        slotBuffer[slot] = buf;
        slotStatus[slot] = IoStatus.OK;
        long now = System.nanoTime();
        slotSubmitNanos[slot] = now;
        if (requests == 0 && submitted == 0) {
            firstSubmitNanos = now;
        }
        next++;
        submitted++;
        IoOp io = switch (op) {
            case READ -> IoOp.READ;
            case WRITE -> IoOp.WRITE;
            case DISCARD -> IoOp.DISCARD;
            case FLUSH -> IoOp.FLUSH;
        };
        long tag = (long) slot << 1;
        int n = plan.sectors(request);
        long room = plan.deviceSectors - device;
        if (op == TraceOp.FLUSH || n <= room) {
            driver.submit(disk, io, device * SectorData.SECTOR, buf, (long) n * SectorData.SECTOR, this, tag | 1);
            return true;
        }
        // wraps around the end of the device: two requests, the second at sector 0
        ByteBuffer tail = null;
        if (buf != null) {
            tail = buf.duplicate().position((int) room * SectorData.SECTOR);
            buf.limit((int) room * SectorData.SECTOR);
        }
        driver.submit(disk, io, device * SectorData.SECTOR, buf, room * SectorData.SECTOR, this, tag);
        driver.submit(disk, io, 0, tail, (n - room) * SectorData.SECTOR, this, tag | 1);
        return true;
    }

    private void finish(ReplayWorker w, int slot) {
        int request = slotRequest[slot];
        ByteBuffer buf = slotBuffer[slot];
        IoStatus status = slotStatus[slot];
        TraceOp op = plan.op(request);
        long latency = slotDoneNanos[slot] - slotSubmitNanos[slot];
        lastDoneNanos = Math.max(lastDoneNanos, slotDoneNanos[slot]);
        requests++;
        long b = plan.bytes(request);
        if (status != IoStatus.OK) {
            errors++;
            w.log.problem("vm " + vm + " request " + request + " (" + op + " of " + plan.sectors(request)
                    + " sectors at trace sector " + plan.firstSector(request) + "): " + status);
        } else if (op == TraceOp.READ) {
            buf.clear().limit((int) b);
            badSectors += w.verifier.check(schedule, request, buf);
            readsVerified++;
        }
        if (op == TraceOp.READ || op == TraceOp.WRITE) {
            bytes += b;
            w.pool.give(buf);
            slotBuffer[slot] = null;
        }
        w.completed(latency, b);
    }

    @Override
    public void complete(long tag, IoStatus status) {
        int slot = (int) (tag >>> 1);
        if (status != IoStatus.OK) {
            slotStatus[slot] = status;
        }
        if ((tag & 1) != 0) {
            slotDoneNanos[slot] = System.nanoTime();
            completed = completed + 1; // single writer: this disk's I/O thread
            Thread t = owner;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
