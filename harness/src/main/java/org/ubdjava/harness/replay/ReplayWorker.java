package org.ubdjava.harness.replay;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * One submitting thread driving a share of the VMs round-robin: it checks their completed
 * requests and submits their next ones, and sleeps when none of them can move (woken by any
 * completion). Verification runs here, not on the driver's I/O thread, so checking never delays
 * the I/O of other disks.
 */
final class ReplayWorker implements Runnable {
    /** Upper bound on a sleep: a wake-up lost between a check and a park costs at most this. */
    private static final long MAX_PARK_NANOS = 1_000_000;

    final BufferPool pool;
    final ReadVerifier verifier;
    final MismatchLog log;
    final Histogram latencyNanos = new Histogram(3_600_000_000_000L, 3);
    private final List<VmReplayer> vms;
    private final LongAdder doneRequests;
    private final LongAdder doneBytes;
    private final long startNanos;
    volatile Throwable failure;

    ReplayWorker(List<VmReplayer> vms, BufferPool pool, ReadVerifier verifier, MismatchLog log,
                 LongAdder doneRequests, LongAdder doneBytes, long startNanos) {
        this.vms = vms;
        this.pool = pool;
        this.verifier = verifier;
        this.log = log;
        this.doneRequests = doneRequests;
        this.doneBytes = doneBytes;
        this.startNanos = startNanos;
    }

    void completed(long latencyNanos, long bytes) {
        latencyNanos = Math.max(latencyNanos, 1);
        this.latencyNanos.recordValue(Math.min(latencyNanos, this.latencyNanos.getHighestTrackableValue()));
        doneRequests.increment();
        doneBytes.add(bytes);
    }

    @Override
    public void run() {
        Thread me = Thread.currentThread();
        for (VmReplayer vm : vms) {
            vm.owner = me;
        }
        try {
            int live = vms.size();
            while (live > 0) {
                live = 0;
                long wake = Long.MAX_VALUE;
                boolean progress = false;
                for (VmReplayer vm : vms) {
                    if (vm.done()) {
                        continue;
                    }
                    live++;
                    long w = vm.pump(this, startNanos);
                    if (w == 0) {
                        progress = true;
                    } else {
                        wake = Math.min(wake, w);
                    }
                }
                if (!progress && live > 0) {
                    long sleep = wake == Long.MAX_VALUE ? MAX_PARK_NANOS : Math.min(MAX_PARK_NANOS, wake - System.nanoTime());
                    if (sleep > 0) {
                        LockSupport.parkNanos(sleep);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }
}
