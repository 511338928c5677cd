package org.ubdjava.harness.replay;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

import org.HdrHistogram.Histogram;
import org.ubdjava.core.nativeio.MappedImage;
import org.ubdjava.core.UbdException;
import org.ubdjava.harness.report.Progress;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.TraceReader;

import com.lmax.disruptor.PhasedBackoffWaitStrategy;

/**
 * Runs N VMs over one backing file through one shared {@link UbdDriver}, verifies every read,
 * checks each VM's COW file when it finishes (bitmap exact, a sample merged), and at the end the
 * backing file (unchanged) and, with {@code --oracle}, the real kernel's reading of a sample.
 */
public final class Replay {
    /** Direct memory all workers together may hold in request buffers. */
    static final long BUFFER_BUDGET = 256L << 20;
    static final int MAX_PRINTED = 20;

    /** The driver's I/O threads: one per core of these 2-core machines, each running its VMs' closed loops. */
    static final int IO_THREADS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

    /**
     * The longest warm-up a replay takes unless told: a fresh JVM's request path reaches its
     * steady speed in about 0.65 s here (three rounds, {@link WarmUp}), where the warm-up stops.
     */
    public static final int DEFAULT_WARM_UP_MILLIS = 1000;

    private Replay() {
    }

    /**
     * Room in each I/O thread's ring for every request in flight twice over (a wrapped request
     * takes two slots), so a completion that submits its VM's next request finds room (up to a
     * million slots a ring; past that a VM that finds no room is resumed by its worker). The I/O
     * threads spin briefly, then yield, then sleep, so a closed loop never parks a thread per request.
     */
    private static DriverConfig driverConfig(ReplayOptions o, int ioThreads, long allocationUnit) {
        long inflight = 2L * o.live() * o.maxInflight();
        int ring = Integer.highestOneBit((int) Math.min(1 << 20, Math.max(1024, inflight * 2) - 1)) << 1;
        return new DriverConfig(ring, ioThreads,
                () -> PhasedBackoffWaitStrategy.withLiteLock(20, 200, TimeUnit.MICROSECONDS), CacheConfig.off()).withAllocationUnit(allocationUnit);
    }

    private static long sum(IoTally[] tallies, ToLongFunction<IoTally> f) {
        long n = 0;
        for (IoTally t : tallies) {
            n += f.applyAsLong(t);
        }
        return n;
    }

    /** VM {@code vm}'s COW file: the index inserted before the extension (vm.cow becomes vm-3.cow). */
    public static Path cowPath(Path cow, int vm) {
        String name = cow.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String named = dot > 0 ? name.substring(0, dot) + "-" + vm + name.substring(dot) : name + "-" + vm;
        return cow.resolveSibling(named);
    }

    public static ReplayResult run(ReplayOptions o) throws IOException {
        return run(o, 0);
    }

    /**
     * A run that first spends {@code warmUpMillis} (0: none) on the same request path over a
     * scratch device ({@link WarmUp}): after every input was checked, before the clock of
     * {@code io_s}; the whole run's {@code elapsed_s} includes it.
     */
    public static ReplayResult run(ReplayOptions o, long warmUpMillis) throws IOException {
        return run(o, warmUpMillis, backing -> { });
    }

    /**
     * What a run tells its caller once it is ready to start: every input checked, the COW files'
     * place cleared, the request path warmed, the backing file fingerprinted. A shard records
     * there which run it belongs to before it waits for the common start.
     */
    @FunctionalInterface
    public interface Ready {
        void ready(BackingFingerprint backing) throws IOException;
    }

    /**
     * A run as {@link #run(ReplayOptions, long)}, telling {@code ready} when it is about to start;
     * then, given {@link ReplayOptions#startAtEpochMs}, it waits for that instant before its clock.
     */
    public static ReplayResult run(ReplayOptions o, long warmUpMillis, Ready ready) throws IOException {
        Setup setup = prepare(o);
        long warmUpNanos = warmUpMillis > 0 ? WarmUp.run(setup.cowDir, warmUpMillis, o) : 0;
        BackingFingerprint before = BackingFingerprint.of(setup.backing);
        ready.ready(before);
        long lateMillis = awaitStart(o.startAtEpochMs());
        MismatchLog log = new MismatchLog(MAX_PRINTED);
        // the fault layers are kept so the report can say how many faults they injected
        List<FaultInjectingDevice> faults = new ArrayList<>();
        UnaryOperator<BlockDevice> layer = o.fault() == null ? UnaryOperator.identity() : inner -> {
            FaultInjectingDevice f = new FaultInjectingDevice(inner, o.fault());
            synchronized (faults) {
                faults.add(f);
            }
            return f;
        };
        try (FileChannel backingRead = FileChannel.open(setup.backing, StandardOpenOption.READ)) {
            MappedImage image = MappedImage.of(backingRead);
            SectorData data = new SectorData(o.seed());
            Execution run = execute(o, setup, image, data, log, layer);

            // after the driver has closed every disk: what is on disk now is final
            BackingFingerprint after = BackingFingerprint.of(setup.backing);
            boolean backingUnchanged = before.equals(after);
            if (!backingUnchanged) {
                log.problem(setup.backing + ": the backing file changed during the replay (before " + before + ", after " + after + ")");
            }
            KernelOracle.Result oracle = setup.oracleRead.length == 0 ? KernelOracle.Result.NONE
                    : oracle(o, setup, new ReadVerifier(image, data, o.vms(), log), log);
            Long faultsInjected = o.fault() == null ? null : faults.stream().mapToLong(FaultInjectingDevice::injected).sum();
            return ReplayResult.of(new ReplayResult.Inputs(o, setup.plans, run.fleet, run.traceLatency, run.elapsedNanos, log,
                    backingUnchanged, setup.mergeChecked.length, run.samples, before, oracle,
                    new ReplayResult.Verification(run.verifierBackingBytes, image.extents()), faultsInjected,
                    o.allocationUnitIn(setup.cowDir), warmUpMillis > 0 ? warmUpNanos : -1, run.clock, lateMillis));
        }
    }

    /**
     * Sleeps until {@code epochMs} (0: no start was set) and returns how late the run is: 0 when
     * it waited, else the milliseconds by which the instant had passed.
     */
    static long awaitStart(long epochMs) {
        if (epochMs == 0) {
            return 0;
        }
        long now = System.currentTimeMillis();
        if (now > epochMs) {
            return now - epochMs;
        }
        try {
            // the wall clock, read again after each sleep: a sleep may end early or late, and the
            // clock may be stepped while it runs
            while ((now = System.currentTimeMillis()) < epochMs) {
                Thread.sleep(Math.min(epochMs - now, 1000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UbdException("interrupted while waiting for the start at " + epochMs);
        }
        return 0;
    }

    /** What a run replays, on which files, checked how: everything decided before anything is written. */
    private record Setup(UbdDeviceConfig base, Path backing, List<Path> cows, Path cowDir, List<ReplayPlan> plans,
                         List<VmSchedule> schedules, int[] mergeChecked, int[] oracleRead) {
    }

    /** What the replay itself measured; {@code traceLatency} is indexed by trace. */
    private record Execution(Fleet fleet, Histogram[] traceLatency, long elapsedNanos, List<Timeline.Sample> samples,
                             long verifierBackingBytes, WallClock clock) {
    }

    /**
     * One reading of the wall clock and the monotonic clock at the same moment, to place the
     * monotonic instants a run measures on the wall clock that other hosts share.
     */
    record WallClock(long epochMillis, long nanos) {
        static WallClock now() {
            return new WallClock(System.currentTimeMillis(), System.nanoTime());
        }

        long epochMillis(long atNanos) {
            return epochMillis + Math.floorDiv(atNanos - nanos, 1_000_000L);
        }
    }

    /**
     * Checks the SPEC and the backing file, clears old COW files (with --force), plans every
     * trace and checks the disk can take the run. A refusal leaves no directory behind.
     */
    private static Setup prepare(ReplayOptions o) throws IOException {
        DescriptorBudget.require(o);
        UbdDeviceConfig base = UbdOptionParser.device(o.spec());
        if (base.backing() == null) {
            throw new UbdException(o.spec() + ": replay needs a COW file over a backing file (ubd0=vm.cow,base.img)");
        }
        Path backing = Path.of(base.backing());
        if (!Files.isRegularFile(backing)) {
            throw new UbdException(backing + ": no such backing file");
        }
        long deviceBytes = Files.size(backing);
        if (deviceBytes < SECTOR) {
            throw new UbdException(backing + ": backing file smaller than one sector");
        }
        // every VM's name, whoever replays it; only this process's VMs' files are looked at
        List<Path> cows = new ArrayList<>();
        Shard part = o.part();
        for (int vm = 0; vm < o.vms(); vm++) {
            Path cow = cowPath(Path.of(base.file()), vm);
            cows.add(cow);
            if (!part.has(vm)) {
                continue;
            }
            if (Files.exists(cow) || Files.isSymbolicLink(cow)) {
                if (!o.force()) {
                    throw new UbdException(cow + ": exists from an earlier run; a replay starts from clean COW files (use --force to replace them)");
                }
                Files.delete(cow);
            }
        }
        Path cowDir = cows.get(0).toAbsolutePath().getParent();
        Path created = createDirectories(cowDir);

        // the plans spill next to the COW files: the disk that must hold the run anyway (the budget
        // check below sees the space they took)
        List<ReplayPlan> plans = new ArrayList<>();
        int[] mergeChecked = sample(o.mergeChecks(), part, o.vms());
        int[] oracleRead = sample(o.oracle(), part, o.vms());
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
        return new Setup(base, backing, cows, cowDir, plans, schedules(plans, o), mergeChecked, oracleRead);
    }

    /**
     * Runs every VM on one driver: the I/O threads run the VMs' closed loops and check every read
     * (with a verifier and a tally each), the workers start and retire VMs, a timeline samples
     * progress. Returns once the driver has closed every disk.
     */
    private static Execution execute(ReplayOptions o, Setup setup, MappedImage image, SectorData data, MismatchLog log,
                                     UnaryOperator<BlockDevice> layer) throws IOException {
        long totalBytes = 0;
        for (int vm : o.part().vms(o.vms())) {
            VmSchedule s = setup.schedules.get(vm);
            totalBytes += s.plan.readBytes + s.plan.writeBytes;
        }
        DeviceOpener opener = new DeviceOpener(HostFileTable.PROCESS, line -> { }); // "Creating ..." once per VM is noise here
        int ioThreads = IO_THREADS;
        ReadVerifier[] verifiers = new ReadVerifier[ioThreads];
        IoTally[] tallies = new IoTally[ioThreads];
        for (int t = 0; t < ioThreads; t++) {
            verifiers[t] = new ReadVerifier(image, data, o.vms(), log);
            tallies[t] = new IoTally(setup.plans.size());
        }
        try (Progress progress = Progress.of("replay", totalBytes);
             UbdDriver driver = new UbdDriver(driverConfig(o, ioThreads, o.allocationUnitIn(setup.cowDir)))) {
            Fleet fleet = new Fleet(setup.schedules, setup.cows, o, setup.base, driver, opener, layer, setup.mergeChecked,
                    setup.oracleRead, verifiers, tallies, log, new BufferBudget(BUFFER_BUDGET));
            int workers = Math.max(1, Math.min(o.live(), Runtime.getRuntime().availableProcessors()));
            WallClock clock = WallClock.now();
            long startNanos = clock.nanos();
            Timeline timeline = new Timeline(() -> sum(tallies, IoTally::requests), () -> sum(tallies, IoTally::bytes),
                    fleet::cowBytes, progress, startNanos, totalBytes > (8L << 30) ? 1000 : 100);
            Thread sampler = new Thread(timeline, "replay-timeline");
            sampler.setDaemon(true);
            sampler.start();
            List<ReplayWorker> ws = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch attached = new CountDownLatch(workers);
            for (int w = 0; w < workers; w++) {
                int slots = o.live() / workers + (w < o.live() % workers ? 1 : 0);
                ReplayWorker worker = new ReplayWorker(fleet, slots, batchInflight(o, setup.plans),
                        new CowChecks(new ReadVerifier(image, data, o.vms(), log), log), attached);
                ws.add(worker);
                Thread t = new Thread(worker, "replay-" + w);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            long elapsedNanos = System.nanoTime() - startNanos;
            timeline.stop();
            sampler.join();
            timeline.sample();
            for (ReplayWorker w : ws) {
                if (w.failure instanceof UbdException u) {
                    throw u; // already a user's message: a COW file that could not be made, say
                }
                if (w.failure != null) {
                    throw new UbdException("replay worker failed: " + w.failure, w.failure);
                }
            }
            long verifierBackingBytes = 0;
            for (int t = 0; t < ioThreads; t++) {
                verifierBackingBytes += verifiers[t].backingBytesRead();
            }
            Histogram[] traceLatency = new Histogram[setup.plans.size()];
            for (int trace = 0; trace < traceLatency.length; trace++) {
                traceLatency[trace] = IoTally.newLatencyHistogram();
                for (IoTally t : tallies) {
                    traceLatency[trace].add(t.latencyNanos[trace]);
                }
            }
            return new Execution(fleet, traceLatency, elapsedNanos, timeline.samples(), verifierBackingBytes, clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UbdException("interrupted");
        }
    }

    /** The most requests any VM keeps in flight: the size of a worker's batch. */
    private static int batchInflight(ReplayOptions o, List<ReplayPlan> plans) {
        int k = 1;
        for (ReplayPlan p : plans) {
            k = Math.max(k, VmReplayer.inflight(o, p));
        }
        return k;
    }

    /** The real kernel reads the sampled VMs' COW files (their files are deleted after, under --at-once). */
    private static KernelOracle.Result oracle(ReplayOptions o, Setup setup, ReadVerifier checker, MismatchLog log) throws IOException {
        List<VmSchedule> picked = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int vm : setup.oracleRead) {
            picked.add(setup.schedules.get(vm));
            files.add(setup.cows.get(vm));
        }
        Path work = Files.createTempDirectory(setup.cowDir, ".ubd-oracle-");
        try {
            return new KernelOracle(checker, log).check(picked, files, work);
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

    /** Each VM's plan (VM i replays trace i mod T), start and shift ({@link VmPlacement}). */
    static List<VmSchedule> schedules(List<ReplayPlan> plans, ReplayOptions o) {
        List<VmSchedule> out = new ArrayList<>(o.vms());
        for (int vm = 0; vm < o.vms(); vm++) {
            int trace = vm % plans.size();
            ReplayPlan plan = plans.get(trace);
            VmPlacement at = VmPlacement.of(vm, o.vms(), plans.size(), plan, o.shiftTime(), o.shiftSpace(), o.seed());
            out.add(new VmSchedule(vm, trace, plan, at.start(), at.shift()));
        }
        return out;
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

    /** Up to {@code n} of the shard's VMs (of a run of {@code vms}), spread evenly from its first to its last. */
    private static int[] sample(int n, Shard part, int vms) {
        int here = part.vmsOf(vms);
        int[] picked = new int[Math.min(n, here)];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = part.vm(picked.length == 1 ? 0 : (int) ((long) i * (here - 1) / (picked.length - 1)));
        }
        return picked;
    }
}
