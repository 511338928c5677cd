package org.ubdjava.harness.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

import org.ubdjava.core.UbdException;
import org.ubdjava.driver.queue.RequestBatch;

/**
 * One thread looking after up to {@code slots} running VMs: it starts each VM (attaches its disk and
 * submits its first requests), retires each VM that has finished (its disk is detached and its COW
 * file checked here: at once under --at-once, which deletes it after, else once no VM runs any more)
 * and starts the next from the {@link Fleet}. The requests themselves run in closed loops on the
 * driver's I/O threads ({@link VmReplayer}); this thread sleeps until a VM finishes, unless it
 * paces VMs (--pace) or a VM stalled on a full ring.
 */
final class ReplayWorker implements Runnable {
    /** Upper bound on a sleep: a wake-up lost between a check and a park costs at most this. */
    private static final long MAX_PARK_NANOS = 1_000_000;

    private final Fleet fleet;
    private final int slots;
    private final CowChecks checks;
    private final RequestBatch batch;
    /** Counted down by each worker once its first VMs are attached: no VM starts before all of them are. */
    private final CountDownLatch attached;
    volatile Throwable failure;

    ReplayWorker(Fleet fleet, int slots, int maxInflight, CowChecks checks, CountDownLatch attached) {
        this.attached = attached;
        this.fleet = fleet;
        this.slots = slots;
        this.checks = checks;
        this.batch = VmReplayer.newBatch(maxInflight);
    }

    @Override
    public void run() {
        Thread me = Thread.currentThread();
        List<VmReplayer> running = new ArrayList<>(slots);
        List<VmReplayer> unchecked = new ArrayList<>();
        try {
            // making and opening a COW file (an fsync) is set-up, as fio's job set-up is: the
            // first VMs all start together, after every one of them is attached
            try {
                while (running.size() < slots && start(running, me)) {
                    // filled one slot
                }
            } finally {
                attached.countDown();
            }
            attached.await();
            while (!running.isEmpty()) {
                long now = System.nanoTime();
                long wake = now + MAX_PARK_NANOS;
                boolean again = false;
                for (int i = 0; i < running.size(); i++) {
                    VmReplayer vm = running.get(i);
                    Throwable f = vm.failure();
                    if (f != null) {
                        throw f instanceof UbdException u ? u
                                : new UbdException("vm " + vm.vm + ": checking a completed request failed: " + f, f);
                    }
                    if (vm.done()) {
                        if (fleet.checksAfterRun()) {
                            fleet.finished(vm);
                            unchecked.add(vm);
                        } else {
                            fleet.retire(vm, checks);
                        }
                        running.remove(i--);
                        start(running, me);
                        again = true;
                        continue;
                    }
                    wake = Math.min(wake, vm.pump(now, batch));
                }
                long sleep = wake - System.nanoTime();
                if (!again && sleep > 0) {
                    LockSupport.parkNanos(sleep);
                }
            }
            fleet.awaitIdle();
            for (VmReplayer vm : unchecked) {
                fleet.detach(vm);
                fleet.check(vm, checks);
            }
        } catch (Throwable t) {
            failure = t;
            fleet.abort();
        }
    }

    private boolean start(List<VmReplayer> running, Thread me) {
        VmReplayer vm = fleet.startNext();
        if (vm == null) {
            return false;
        }
        vm.watchedBy(me);
        running.add(vm);
        return true;
    }
}
