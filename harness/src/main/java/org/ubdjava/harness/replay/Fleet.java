package org.ubdjava.harness.replay;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The VMs of one run, started on the shared driver as workers have room for them and retired when
 * they have replayed their schedule: the disk is detached (closed without a flush, as the real
 * driver leaves a device when its VM shuts down) and its COW file is checked: at once and then
 * deleted under {@code --at-once}, so that only the running VMs' COW files are on disk, else once
 * no VM runs. VMs the kernel oracle reads at the end keep their files.
 *
 * <p>Thread-safe: workers call {@link #startNext} and {@link #retire} concurrently; the per-VM
 * result slots are each written by the one worker that retired that VM and read after every
 * worker has been joined.
 */
final class Fleet {
    private final List<VmSchedule> schedules;
    private final List<Path> cows;
    private final ReplayOptions options;
    private final UbdDeviceConfig base;
    private final UbdDriver driver;
    private final DeviceOpener opener;
    private final UnaryOperator<BlockDevice> layer;
    private final boolean[] mergeChecked;
    private final boolean[] oracleRead;
    /** The VMs this process replays, in the order they start: the whole run's, or its shard's. */
    private final int[] vms;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<Integer, FileChannel> runningCows = new ConcurrentHashMap<>();
    private final AtomicLong retiredCowBytes = new AtomicLong();
    private final AtomicInteger mergesOk = new AtomicInteger();
    private final AtomicLong retireNanos = new AtomicLong();
    private volatile boolean aborted;
    /** VMs whose last request has completed. */
    private final AtomicInteger finished = new AtomicInteger();
    /** Index: I/O thread. The checking state and the tallies of the completions that run there. */
    private final ReadVerifier[] verifiers;
    private final IoTally[] tallies;
    private final MismatchLog log;
    private final BufferBudget budget;

    /** Index: VM (the run's number: a shard leaves the other shards' VMs null). Set when the VM starts. */
    final VmReplayer[] replayers;
    /** Index: VM. The I/O thread of its disk ({@link #ioThreads}). */
    private final int[] ioThread;
    /** Index: VM. Its COW file's allocated bytes when it finished. */
    final long[] cowUsage;
    /** Index: VM. Whether its bitmap held exactly the sectors written. */
    final boolean[] bitmapExact;

    Fleet(List<VmSchedule> schedules, List<Path> cows, ReplayOptions options, UbdDeviceConfig base, UbdDriver driver,
          DeviceOpener opener, UnaryOperator<BlockDevice> layer, int[] mergeChecked, int[] oracleRead,
          ReadVerifier[] verifiers, IoTally[] tallies, MismatchLog log, BufferBudget budget) {
        this.verifiers = verifiers;
        this.tallies = tallies;
        this.log = log;
        this.budget = budget;
        this.schedules = schedules;
        this.cows = cows;
        this.options = options;
        this.base = base;
        this.driver = driver;
        this.opener = opener;
        this.layer = layer;
        this.mergeChecked = mark(mergeChecked, schedules.size());
        this.oracleRead = mark(oracleRead, schedules.size());
        this.vms = options.part().vms(schedules.size());
        this.ioThread = ioThreads(schedules, driver.ioThreads());
        replayers = new VmReplayer[schedules.size()];
        cowUsage = new long[schedules.size()];
        bitmapExact = new boolean[schedules.size()];
    }

    /**
     * Index: VM. Its disk's I/O thread: each trace's VMs in turn over the threads, so that every
     * workload has every thread. By turns over all VMs, with two traces alternating (VM i replays
     * trace i mod 2) and two threads, one trace's VMs would all share one thread, and a workload
     * beside another would get half the machine before anything else took its share.
     */
    static int[] ioThreads(List<VmSchedule> schedules, int threads) {
        int[] thread = new int[schedules.size()];
        int traces = schedules.stream().mapToInt(s -> s.trace + 1).max().orElse(0);
        int[] seen = new int[traces];
        for (int vm = 0; vm < thread.length; vm++) {
            thread[vm] = seen[schedules.get(vm).trace]++ % threads;
        }
        return thread;
    }

    private static boolean[] mark(int[] vms, int n) {
        boolean[] b = new boolean[n];
        for (int vm : vms) {
            b[vm] = true;
        }
        return b;
    }

    /** Attaches the next VM's disk, or returns null when every VM has started. */
    VmReplayer startNext() {
        int n = next.getAndIncrement();
        if (n >= vms.length) {
            return null;
        }
        int vm = vms[n];
        UbdDeviceConfig c = new UbdDeviceConfig(base.unit(), base.name(), cows.get(vm).toString(), base.backing(),
                base.serial(), base.flags());
        if (options.preallocation() != Preallocation.OFF) {
            // the opener would make it sparse: made here, whole, it opens as an existing COW file
            CowCreator.create(cows.get(vm), base.backing(), false, options.preallocation());
        }
        Disk disk = driver.attach(c, opener, layer, ioThread[vm]);
        runningCows.put(vm, disk.files().image().channel());
        int io = disk.ioThread();
        VmReplayer r = new VmReplayer(schedules.get(vm), disk, driver, options, verifiers[io], tallies[io], log, budget);
        replayers[vm] = r;
        return r;
    }

    /** Called once per VM, after its last request completed: {@link #finished}, {@link #detach}, then {@link #check}. */
    void retire(VmReplayer r, CowChecks checks) throws IOException {
        finished(r);
        detach(r);
        check(r, checks);
    }

    /** Called once per VM, after its last request completed: its buffers are freed and go back to the budget. */
    void finished(VmReplayer r) {
        budget.release(r.releaseBuffers());
        finished.incrementAndGet();
    }

    /**
     * Whether workers hold a finished VM's detach and checks back until no VM runs: when no COW
     * file has to be deleted to make room, so that closing a disk (the driver gives back the COW
     * file's unused reserved runs then: a punch of 60 us for each of 64 KiB or more) and the
     * checks' reads stay out of the measured run, as fio's own verification would be after its jobs.
     */
    boolean checksAfterRun() {
        return !options.deletesCows();
    }

    /** Until every VM has finished, or a worker has failed (then the run ends with its failure). */
    void awaitIdle() {
        while (finished.get() < vms.length && !aborted) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** A worker failed: no one waits for its VMs any more. */
    void abort() {
        aborted = true;
    }

    /** Detaches a finished VM's disk (every completion has run: no flush, as a real VM shutdown leaves it). */
    void detach(VmReplayer r) throws IOException {
        long t0 = System.nanoTime();
        try {
            driver.detachIdle(r.disk);
        } finally {
            runningCows.remove(r.vm);
            retireNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    /** Checks a detached VM's COW file (bitmap, a merge when sampled), then deletes it under --at-once. */
    void check(VmReplayer r, CowChecks checks) throws IOException {
        long t0 = System.nanoTime();
        try {
            checkTimed(r, checks);
        } finally {
            retireNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private void checkTimed(VmReplayer r, CowChecks checks) throws IOException {
        int vm = r.vm;
        Path cow = cows.get(vm);
        VmSchedule s = schedules.get(vm);
        CowChecks.BitmapResult b = checks.bitmap(s, cow);
        bitmapExact[vm] = b.exact();
        cowUsage[vm] = b.diskUsage();
        retiredCowBytes.addAndGet(b.diskUsage());
        if (mergeChecked[vm] && checks.merge(s, cow, Path.of(base.backing()))) {
            mergesOk.incrementAndGet();
        }
        if (options.deletesCows() && !oracleRead[vm]) {
            try {
                Files.delete(cow);
            } catch (IOException e) {
                throw new UbdException(cow + ": cannot delete a finished VM's COW file: " + e.getMessage(), e);
            }
        }
    }

    /** Worker time spent retiring VMs (the detach, the checks, the deletion), all workers together. */
    long retireNanos() {
        return retireNanos.get();
    }

    /** The VMs this process replays, in order. */
    int[] vms() {
        return vms.clone();
    }

    int mergesOk() {
        return mergesOk.get();
    }

    /** COW bytes allocated so far: the running VMs' files now plus the finished VMs' files when they finished. */
    long cowBytes() {
        long total = retiredCowBytes.get();
        for (FileChannel ch : runningCows.values()) {
            try {
                total += NativeFiles.allocatedBytes(ch);
            } catch (IOException | RuntimeException ignored) {
                // closed while being retired: it is counted once retired
            }
        }
        return total;
    }
}
