package org.ubdjava.harness.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * One submitting thread driving up to {@code slots} running VMs round-robin: it checks their
 * completed requests and submits their next ones, retires each VM that has finished (its COW file
 * is checked here) and starts the next from the {@link Fleet}, and sleeps when none of its VMs can
 * move (woken by any completion). Verification runs here, not on the driver's I/O thread, so
 * checking never delays the I/O of other disks.
 */
final class ReplayWorker implements Runnable {
    /** Upper bound on a sleep: a wake-up lost between a check and a park costs at most this. */
    private static final long MAX_PARK_NANOS = 1_000_000;

    final BufferPool pool;
    final ReadVerifier verifier;
    final MismatchLog log;
    final Histogram latencyNanos = new Histogram(3_600_000_000_000L, 3);
    private final Fleet fleet;
    private final int slots;
    private final CowChecks checks;
    private final LongAdder doneRequests;
    private final LongAdder doneBytes;
    volatile Throwable failure;

    ReplayWorker(Fleet fleet, int slots, BufferPool pool, ReadVerifier verifier, MismatchLog log,
                 LongAdder doneRequests, LongAdder doneBytes) {
        this.fleet = fleet;
        this.slots = slots;
        this.pool = pool;
        this.verifier = verifier;
        this.log = log;
        this.checks = new CowChecks(verifier, log);
        this.doneRequests = doneRequests;
        this.doneBytes = doneBytes;
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
        List<VmReplayer> running = new ArrayList<>(slots);
        try {
            while (running.size() < slots && start(running, me)) {
                // filled one slot
            }
            while (!running.isEmpty()) {
                long wake = Long.MAX_VALUE;
                boolean progress = false;
                for (int i = 0; i < running.size(); i++) {
                    VmReplayer vm = running.get(i);
                    if (vm.done()) {
                        fleet.retire(vm, checks);
                        running.remove(i--);
                        start(running, me);
                        progress = true;
                        continue;
                    }
                    long w = vm.pump(this);
                    if (w == 0) {
                        progress = true;
                    } else {
                        wake = Math.min(wake, w);
                    }
                }
                if (!progress && !running.isEmpty()) {
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

    private boolean start(List<VmReplayer> running, Thread me) {
        VmReplayer vm = fleet.startNext();
        if (vm == null) {
            return false;
        }
        vm.owner = me;
        vm.started(System.nanoTime());
        running.add(vm);
        return true;
    }
}
