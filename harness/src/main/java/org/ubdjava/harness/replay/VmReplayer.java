package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

import org.ubdjava.core.nativeio.DirectMemory;

import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.RequestBatch;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.TraceOp;

/**
 * One VM: replays its {@link VmSchedule} on its own disk with up to {@code k} requests in flight,
 * checking every request as it completes.
 *
 * <p>A closed loop on the disk's I/O thread, as fio's jobs run theirs: the completion of a request
 * checks it (the read's bytes are still hot in that core's cache), then submits the VM's next
 * request into the ring from the same thread, which picks it up in the same batch. Nothing parks
 * or wakes per request; the owning worker only starts the VM (its first {@code k} requests in one
 * {@link RequestBatch}), is woken once when it has finished, and takes it back in the rare case
 * that the ring had no room while nothing of the VM was in flight ({@link #stalled}). Under
 * {@code --pace} the worker submits instead, when each request is due; completions still check.
 *
 * <p>Threads and invariants: slot {@code n % k} holds the n-th request. {@link #harvested} (the
 * requests completed and checked) is written only by the disk's I/O thread; {@link #submitted}
 * and the slots of requests not yet published are written only by whoever submits: the I/O thread
 * in the closed loop, the worker at the start, after a stall (both with nothing in flight, so no
 * completion can run concurrently) and under --pace (then the completion never submits). A
 * publish orders the slot's fields before its completion; the volatile {@link #harvested} orders
 * a checked slot before its reuse.
 *
 * <p>Allocation: none per request. Each slot keeps its direct buffer, grown to the largest
 * request it carried under the {@link BufferBudget}; a request whose rotated range runs past the
 * end of the device is sent as two requests (the tag's low bit marks the last part), and only that
 * rare case allocates (a buffer view).
 */
final class VmReplayer implements Completion {
    final int vm;
    final Disk disk;
    final VmSchedule schedule;
    private final ReplayPlan plan;
    private final UbdDriver driver;
    private final int k;
    private final double pace;
    private final ReadVerifier verifier;
    private final IoTally tally;
    private final MismatchLog log;
    private final BufferBudget budget;
    /** The closed loop's batch, used on the I/O thread only (the worker submits from its own). */
    private final RequestBatch batch;

    private final int[] slotRequest;
    private final long[] slotSubmitNanos;
    private final ByteBuffer[] slotBuffer;
    private final IoStatus[] slotStatus;
    private volatile int harvested;
    private int submitted;
    /** Set by a completion that could not submit with nothing of this VM in flight: the worker takes over. */
    private volatile boolean stalled;
    private volatile boolean started;
    /** A failure in a completion: the worker rethrows it (the I/O thread must go on serving other disks). */
    volatile Throwable failure;
    volatile Thread owner;
    /** When this VM started: its trace time 0 under --pace. */
    private long startNanos;

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
        this.driver = driver;
        this.k = inflight(o, plan);
        this.pace = o.pace();
        this.verifier = verifier;
        this.tally = tally;
        this.log = log;
        this.budget = budget;
        batch = newBatch(k);
        slotRequest = new int[k];
        slotSubmitNanos = new long[k];
        slotBuffer = new ByteBuffer[k];
        slotStatus = new IoStatus[k];
    }

    /** Requests a VM keeps in flight: never more slots than its plan has requests. */
    static int inflight(ReplayOptions o, ReplayPlan plan) {
        return Math.min(o.maxInflight(), Math.max(1, plan.count));
    }

    /** Room for {@code maxInflight} requests, each of which may take two parts (a wrap). */
    static RequestBatch newBatch(int maxInflight) {
        return new RequestBatch(2 * maxInflight);
    }

    boolean done() {
        return harvested == plan.count;
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
        if (done()) {
            return now;
        }
        if (!started) {
            startNanos = now;
            started = true;
        } else if (pace <= 0 && !stalled) {
            return Long.MAX_VALUE; // the closed loop drives it
        }
        stalled = false;
        int before = submitted;
        long due = fill(own, now);
        if (!submit(own, before) && pace <= 0) {
            stalled = true; // the ring was full: try again shortly
            return now + 10_000;
        }
        return due;
    }

    /**
     * Adds what may be submitted now to {@code batch}, and counts it submitted before it is
     * published (a completion may run as soon as it is).
     *
     * @return under --pace, the nanoTime when the next request is due; else Long.MAX_VALUE
     */
    private long fill(RequestBatch batch, long now) {
        int pos = submitted;
        long due = Long.MAX_VALUE;
        while (pos < plan.count && pos - harvested < k) {
            if (pace > 0) {
                long ts = schedule.elapsedMicros(pos);
                if (ts >= 0) {
                    long at = startNanos + (long) (ts * 1000.0 / pace);
                    if (at < startNanos) {
                        at = Long.MAX_VALUE; // a pace so slow that the time is past the clock's range: never due
                    }
                    if (now < at) {
                        due = at;
                        break;
                    }
                }
            }
            if (!add(batch, pos)) {
                break; // no buffer within the budget: this VM's own completions will free one
            }
            pos++;
        }
        submitted = pos;
        return due;
    }

    /**
     * Publishes {@code batch}; when the ring has no room, sets {@link #submitted} back to
     * {@code before} (nothing was published, so no completion can have seen it).
     */
    private boolean submit(RequestBatch batch, int before) {
        if (batch.isEmpty()) {
            return true;
        }
        boolean ok = driver.trySubmit(batch);
        batch.clear();
        if (!ok) {
            submitted = before;
        }
        return ok;
    }

    private boolean add(RequestBatch batch, int pos) {
        int request = schedule.request(pos);
        TraceOp op = plan.op(request);
        int slot = pos % k;
        int n = plan.sectors(request);
        ByteBuffer buf = null;
        if (op == TraceOp.READ || op == TraceOp.WRITE) {
            buf = buffer(slot, n * SECTOR, pos - harvested == 0);
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
        slotStatus[slot] = IoStatus.OK;
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
        long tag = (long) slot << 1;
        long room = plan.deviceSectors - device;
        if (op == TraceOp.FLUSH || n <= room) {
            batch.add(disk, io, device * SECTOR, buf, (long) n * SECTOR, this, tag | 1);
            return true;
        }
        // wraps around the end of the device: two requests, the second at sector 0
        ByteBuffer tail = null;
        if (buf != null) {
            tail = buf.duplicate().position((int) room * SECTOR);
            buf.limit((int) room * SECTOR);
        }
        batch.add(disk, io, device * SECTOR, buf, room * SECTOR, this, tag);
        batch.add(disk, io, 0, tail, (n - room) * SECTOR, this, tag | 1);
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

    @Override
    public void complete(long tag, IoStatus status) {
        try {
            int slot = (int) (tag >>> 1);
            if (status != IoStatus.OK) {
                slotStatus[slot] = status;
            }
            if ((tag & 1) == 0) {
                return;
            }
            finish(slot, System.nanoTime());
            int h = harvested + 1;
            harvested = h; // single writer: this disk's I/O thread
            if (h == plan.count || pace > 0) {
                wake();
            } else if (submitted < plan.count) {
                int before = submitted;
                fill(batch, 0);
                if (!submit(batch, before) && submitted == h) {
                    stalled = true; // nothing in flight and the ring full: the worker takes over
                    wake();
                }
            }
        } catch (Throwable t) {
            failure = t;
            wake();
        }
    }

    private void wake() {
        Thread t = owner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void finish(int slot, long doneNanos) {
        int request = slotRequest[slot];
        ByteBuffer buf = slotBuffer[slot];
        IoStatus status = slotStatus[slot];
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
