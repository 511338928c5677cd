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
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.HdrHistogram.Histogram;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.cli.Progress;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.FaultInjectingDevice;
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
    static final int IO_THREADS = Integer.getInteger("ubd.replay.ioThreads", Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));

    private Replay() {
    }

    /**
     * Room in each I/O thread's ring for every request in flight twice over (a wrapped request
     * takes two slots), so a completion that submits its VM's next request finds room; the I/O threads
     * spin briefly, then yield, then sleep, so a closed loop never parks a thread per request.
     */
    private static UbdDriver.Config driverConfig(ReplayOptions o, int ioThreads) {
        long inflight = 2L * o.live() * o.maxInflight();
        int ring = Integer.highestOneBit((int) Math.min(1 << 22, Math.max(1024, inflight * 2) - 1)) << 1;
        return new UbdDriver.Config(ring, ioThreads,
                () -> PhasedBackoffWaitStrategy.withLiteLock(20, 200, TimeUnit.MICROSECONDS), CacheConfig.off());
    }

    private static long sum(IoTally[] tallies, java.util.function.ToLongFunction<IoTally> f) {
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
        UbdDeviceConfig base = parse(o.spec());
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
        long verifierBackingBytes = 0;
        try (FileChannel backingRead = FileChannel.open(backing, StandardOpenOption.READ);
             Progress progress = Progress.of("replay", totalBytes)) {
            BackingImage image = BackingImage.of(backingRead);
            SectorData data = new SectorData(o.seed());
            Fleet fleet;
            List<Timeline.Sample> samples;
            int ioThreads = IO_THREADS;
            try (UbdDriver driver = new UbdDriver(driverConfig(o, ioThreads))) {
                ReadVerifier[] verifiers = new ReadVerifier[ioThreads];
                IoTally[] tallies = new IoTally[ioThreads];
                for (int t = 0; t < ioThreads; t++) {
                    verifiers[t] = new ReadVerifier(image, data, o.vms(), log);
                    tallies[t] = new IoTally();
                }
                fleet = new Fleet(schedules, cows, o, base, driver, opener, layer, mergeChecked, oracleRead,
                        verifiers, tallies, log, new BufferBudget(BUFFER_BUDGET));
                int workers = Math.max(1, Math.min(o.live(), Runtime.getRuntime().availableProcessors()));
                long startNanos = System.nanoTime();
                Timeline timeline = new Timeline(() -> sum(tallies, IoTally::requests), () -> sum(tallies, IoTally::bytes),
                        fleet::cowBytes, progress, startNanos, totalBytes > (8L << 30) ? 1000 : 100);
                Thread sampler = new Thread(timeline, "replay-timeline");
                sampler.setDaemon(true);
                sampler.start();
                List<ReplayWorker> ws = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int slots = o.live() / workers + (w < o.live() % workers ? 1 : 0);
                    ReplayWorker worker = new ReplayWorker(fleet, slots, o.maxInflight(),
                            new CowChecks(new ReadVerifier(image, data, o.vms(), log), log));
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
                }
                for (int t = 0; t < ioThreads; t++) {
                    latency.add(tallies[t].latencyNanos);
                    verifierBackingBytes += verifiers[t].backingBytesRead();
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
                ReadVerifier checker = new ReadVerifier(image, data, o.vms(), log);
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
            Long faultsInjected = o.fault() == null ? null : faults.stream().mapToLong(FaultInjectingDevice::injected).sum();
            ReplayResult result = ReplayResult.of(new ReplayResult.Inputs(o, plans, fleet, latency, elapsedNanos, log,
                    backingUnchanged, mergeChecked.length, samples, before, oracle,
                    new ReplayResult.Verification(verifierBackingBytes, image.extents()), faultsInjected));
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

    private static UbdDeviceConfig parse(String spec) {
        ParseOutcome outcome = new UbdOptionParser().parse(spec);
        if (outcome instanceof ParseOutcome.Configured c) {
            return c.device();
        }
        throw new UbdException(outcome instanceof ParseOutcome.Failed f ? f.message()
                : "\"" + spec + "\" configures no device (expected ubd<N>[flags]=COW,BACKING)");
    }
}
