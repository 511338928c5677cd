package org.ubdjava.harness.replay;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.HdrHistogram.Histogram;
import org.ubdjava.core.UbdException;
import org.ubdjava.harness.cli.Progress;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.TraceReader;

import com.lmax.disruptor.BlockingWaitStrategy;

/**
 * Runs N VMs over one backing file through one shared {@link UbdDriver}, verifies every read,
 * checks each VM's COW file when it finishes (bitmap exact, a sample merged), and at the end the
 * backing file (unchanged) and, with {@code --oracle}, the real kernel's reading of a sample.
 */
public final class Replay {
    /** Direct memory all workers together may hold in request buffers. */
    static final long BUFFER_BUDGET = 256L << 20;
    static final int MAX_PRINTED = 20;

    private Replay() {
    }

    /** VM {@code vm}'s COW file: the index inserted before the extension (vm.cow becomes vm-3.cow). */
    public static Path cowPath(Path cow, int vm) {
        String name = cow.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String named = dot > 0 ? name.substring(0, dot) + "-" + vm + name.substring(dot) : name + "-" + vm;
        return cow.resolveSibling(named);
    }

    public static ReplayResult run(ReplayOptions o) throws IOException {
        UbdDeviceConfig base = UbdOptionParser.device(o.spec());
        if (base.backing() == null) {
            throw new UbdException(o.spec() + ": replay needs a COW file over a backing file (ubd0=vm.cow,base.img)");
        }
        Path backing = Path.of(base.backing());
        if (!Files.isRegularFile(backing)) {
            throw new UbdException(backing + ": no such backing file");
        }
        long deviceBytes = Files.size(backing);
        if (deviceBytes < SectorData.SECTOR) {
            throw new UbdException(backing + ": backing file smaller than one sector");
        }
        List<Path> cows = new ArrayList<>();
        for (int vm = 0; vm < o.vms(); vm++) {
            Path cow = cowPath(Path.of(base.file()), vm);
            if (Files.exists(cow) || Files.isSymbolicLink(cow)) {
                if (!o.force()) {
                    throw new UbdException(cow + ": exists from an earlier run; a replay starts from clean COW files (use --force to replace them)");
                }
                Files.delete(cow);
            }
            cows.add(cow);
        }
        Path cowDir = cows.get(0).toAbsolutePath().getParent();
        Path created = createDirectories(cowDir);

        // the plans spill next to the COW files: the disk that must hold the run anyway (the budget
        // check below sees the space they took)
        List<ReplayPlan> plans = new ArrayList<>();
        int[] mergeChecked = sample(Math.min(o.mergeChecks(), o.vms()), o.vms());
        int[] oracleRead = sample(Math.min(o.oracle(), o.vms()), o.vms());
        try {
            for (Supplier<TraceReader> trace : o.traces()) {
                try (TraceReader reader = trace.get()) {
                    plans.add(ReplayPlan.build(reader, deviceBytes, o.limit(), cowDir));
                }
            }
            DiskBudget.require(cowDir, plans, o, backing, mergeChecked.length > 0, oracleRead.length);
        } catch (IOException | RuntimeException e) {
            // a bad trace or too little room: nothing was written, so no directory is left either
            removeEmpty(cowDir, created);
            throw e;
        }
        List<VmSchedule> schedules = schedules(plans, o);

        BackingFingerprint before = BackingFingerprint.of(backing);
        MismatchLog log = new MismatchLog(MAX_PRINTED);
        LongAdder doneRequests = new LongAdder();
        LongAdder doneBytes = new LongAdder();
        long totalBytes = 0;
        for (VmSchedule s : schedules) {
            totalBytes += s.plan.readBytes + s.plan.writeBytes;
        }
        Histogram latency = new Histogram(3_600_000_000_000L, 3);
        long elapsedNanos;
        // the fault layers are kept so the report can say how many faults they injected
        List<FaultInjectingDevice> faults = new ArrayList<>();
        UnaryOperator<BlockDevice> layer = o.fault() == null ? UnaryOperator.identity() : inner -> {
            FaultInjectingDevice f = new FaultInjectingDevice(inner, o.fault());
            synchronized (faults) {
                faults.add(f);
            }
            return f;
        };
        DeviceOpener opener = new DeviceOpener(HostFileTable.PROCESS, line -> { }); // "Creating ..." once per VM is noise here
        long deviceSectors = plans.get(0).deviceSectors;
        try (FileChannel backingRead = FileChannel.open(backing, StandardOpenOption.READ);
             Progress progress = Progress.of("replay", totalBytes)) {
            Fleet fleet;
            List<Timeline.Sample> samples;
            try (UbdDriver driver = new UbdDriver(new UbdDriver.Config(16384, 2, new BlockingWaitStrategy()))) {
                fleet = new Fleet(schedules, cows, o, base, driver, opener, layer, mergeChecked, oracleRead);
                int workers = Math.max(1, Math.min(o.live(), Runtime.getRuntime().availableProcessors()));
                long startNanos = System.nanoTime();
                Timeline timeline = new Timeline(doneRequests, doneBytes, fleet::cowBytes, progress, startNanos,
                        totalBytes > (8L << 30) ? 1000 : 100);
                Thread sampler = new Thread(timeline, "replay-timeline");
                sampler.setDaemon(true);
                sampler.start();
                List<ReplayWorker> ws = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int slots = o.live() / workers + (w < o.live() % workers ? 1 : 0);
                    ReplayWorker worker = new ReplayWorker(fleet, slots, new BufferPool(BUFFER_BUDGET / workers),
                            new ReadVerifier(deviceSectors, backingRead, o.seed(), o.vms(), log), log, doneRequests, doneBytes);
                    ws.add(worker);
                    Thread t = new Thread(worker, "replay-" + w);
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) {
                    t.join();
                }
                elapsedNanos = System.nanoTime() - startNanos;
                timeline.stop();
                sampler.join();
                timeline.sample();
                samples = timeline.samples();
                for (ReplayWorker w : ws) {
                    if (w.failure instanceof UbdException u) {
                        throw u; // already a user's message: a COW file that could not be made, say
                    }
                    if (w.failure != null) {
                        throw new UbdException("replay worker failed: " + w.failure, w.failure);
                    }
                    latency.add(w.latencyNanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UbdException("interrupted");
            }

            // after the driver has closed every disk: what is on disk now is final
            BackingFingerprint after = BackingFingerprint.of(backing);
            boolean backingUnchanged = before.equals(after);
            if (!backingUnchanged) {
                log.problem(backing + ": the backing file changed during the replay (before " + before + ", after " + after + ")");
            }
            KernelOracle.Result oracle = KernelOracle.Result.NONE;
            if (oracleRead.length > 0) {
                ReadVerifier checker = new ReadVerifier(deviceSectors, backingRead, o.seed(), o.vms(), log);
                List<VmSchedule> picked = new ArrayList<>();
                List<Path> files = new ArrayList<>();
                for (int vm : oracleRead) {
                    picked.add(schedules.get(vm));
                    files.add(cows.get(vm));
                }
                Path work = Files.createTempDirectory(cowDir, ".ubd-oracle-");
                try {
                    oracle = new KernelOracle(checker, log).check(picked, files, work);
                } finally {
                    try (var list = Files.list(work)) {
                        for (Path p : list.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(work);
                    if (o.deletesCows()) {
                        for (Path p : files) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
            ReplayResult result = ReplayResult.of(o, plans, fleet, latency, elapsedNanos, log, backingUnchanged,
                    mergeChecked.length, samples, before, oracle);
            if (o.fault() != null) {
                result.json().put("faults_injected", faults.stream().mapToLong(FaultInjectingDevice::injected).sum());
            }
            return result;
        }
    }

    /**
     * Each VM's plan (VM i replays trace i mod T), start and shift. Even shifts spread the VMs
     * that share a trace over its duration (by trace time when the timestamps allow, else by
     * record) and over the device; random ones draw from a generator seeded by the run's seed and
     * the VM's index, so a run is repeatable.
     */
    static List<VmSchedule> schedules(List<ReplayPlan> plans, ReplayOptions o) {
        List<VmSchedule> out = new ArrayList<>(o.vms());
        int traces = plans.size();
        for (int vm = 0; vm < o.vms(); vm++) {
            ReplayPlan plan = plans.get(vm % traces);
            int rank = vm / traces;
            int peers = (o.vms() - vm % traces + traces - 1) / traces;
            SplittableRandom random = new SplittableRandom(o.seed() + 0x9E3779B97F4A7C15L * (vm + 1L));
            int start = switch (o.shiftTime()) {
                case NONE -> 0;
                case EVEN -> evenStart(plan, rank, peers);
                case RANDOM -> plan.count == 0 ? 0 : random.nextInt(plan.count);
            };
            long shift = switch (o.shiftSpace()) {
                case NONE -> 0;
                case EVEN -> rank * (plan.deviceSectors / peers);
                case RANDOM -> random.nextLong(plan.deviceSectors);
            };
            out.add(new VmSchedule(vm, plan, start, shift));
        }
        return out;
    }

    private static int evenStart(ReplayPlan plan, int rank, int peers) {
        if (plan.count == 0) {
            return 0;
        }
        if (plan.timeOrdered) {
            long first = plan.timeMicros(0);
            long span = plan.timeMicros(plan.count - 1) - first;
            int at = plan.firstAtOrAfter(first + (long) ((double) span * rank / peers));
            return Math.min(at, plan.count - 1);
        }
        return (int) ((long) plan.count * rank / peers);
    }

    /** Creates {@code dir} and its missing parents; returns the topmost one this made, or null. */
    private static Path createDirectories(Path dir) {
        Path top = null;
        for (Path p = dir; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            top = p;
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UbdException(dir + ": cannot create the COW files' directory: " + CowPaths.describe(e), e);
        }
        return top;
    }

    /** Deletes {@code dir} and its parents up to {@code top} (what {@link #createDirectories} made) while they are empty. */
    private static void removeEmpty(Path dir, Path top) {
        if (top == null) {
            return;
        }
        for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) {
            try {
                Files.delete(p);
            } catch (IOException e) {
                return; // not empty, or not ours to judge: leave it
            }
        }
    }

    /** {@code n} VMs of {@code vms}, spread evenly from the first to the last. */
    private static int[] sample(int n, int vms) {
        int[] picked = new int[n];
        for (int i = 0; i < n; i++) {
            picked[i] = n == 1 ? 0 : (int) ((long) i * (vms - 1) / (n - 1));
        }
        return picked;
    }
}
