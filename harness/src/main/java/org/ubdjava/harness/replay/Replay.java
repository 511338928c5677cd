package org.ubdjava.harness.replay;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

import org.HdrHistogram.Histogram;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.cli.Progress;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.TraceReader;

import com.lmax.disruptor.BlockingWaitStrategy;

/**
 * Runs N VMs over one backing file through one shared {@link UbdDriver}, verifies every read,
 * then checks the files: the backing file unchanged, each COW bitmap exact, a sample merged.
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
        if (cows.get(0).getParent() != null) {
            Files.createDirectories(cows.get(0).getParent());
        }

        ReplayPlan plan;
        try (TraceReader reader = o.trace().get()) {
            plan = ReplayPlan.build(reader, deviceBytes, o.limit());
        }
        BackingFingerprint before = BackingFingerprint.of(backing);
        MismatchLog log = new MismatchLog(MAX_PRINTED);
        int workers = Math.max(1, Math.min(o.vms(), Runtime.getRuntime().availableProcessors()));
        LongAdder doneRequests = new LongAdder();
        LongAdder doneBytes = new LongAdder();
        long totalBytes = (plan.readBytes + plan.writeBytes) * o.vms();
        List<Timeline.Sample> samples;
        List<VmReplayer> vms = new ArrayList<>();
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
        try (FileChannel backingRead = FileChannel.open(backing, StandardOpenOption.READ);
             Progress progress = Progress.of("replay", totalBytes)) {
            List<FileChannel> cowChannels = new ArrayList<>();
            long startNanos;
            Timeline timeline;
            try (UbdDriver driver = new UbdDriver(new UbdDriver.Config(16384, 2, new BlockingWaitStrategy()))) {
                for (int vm = 0; vm < o.vms(); vm++) {
                    UbdDeviceConfig c = new UbdDeviceConfig(base.unit(), base.name(), cows.get(vm).toString(), base.backing(),
                            base.serial(), base.flags());
                    Disk disk = driver.attach(c, opener, layer);
                    cowChannels.add(disk.files().image().channel());
                    long shift = o.shiftSpace() ? (long) vm * (plan.deviceSectors / o.vms()) : 0;
                    vms.add(new VmReplayer(vm, disk, shift, plan, driver, o.maxInflight(), o.seed(), o.pace()));
                }
                startNanos = System.nanoTime();
                timeline = new Timeline(doneRequests, doneBytes, cowChannels, progress, startNanos,
                        plan.count * (long) o.vms() > 1_000_000 ? 1000 : 100);
                Thread sampler = new Thread(timeline, "replay-timeline");
                sampler.setDaemon(true);
                sampler.start();
                List<ReplayWorker> ws = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    List<VmReplayer> share = new ArrayList<>();
                    for (int vm = w; vm < vms.size(); vm += workers) {
                        share.add(vms.get(vm));
                    }
                    ReplayWorker worker = new ReplayWorker(share, new BufferPool(BUFFER_BUDGET / workers),
                            new ReadVerifier(plan, backingRead, o.seed(), o.vms(), log), log, doneRequests, doneBytes, startNanos);
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
                for (ReplayWorker w : ws) {
                    if (w.failure != null) {
                        throw new UbdException("replay worker failed: " + w.failure, w.failure);
                    }
                    latency.add(w.latencyNanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UbdException("interrupted");
            }
            samples = timeline.samples();

            // after the driver has closed every disk: what is on disk now is final
            BackingFingerprint after = BackingFingerprint.of(backing);
            boolean backingUnchanged = before.equals(after);
            if (!backingUnchanged) {
                log.problem(backing + ": the backing file changed during the replay (before " + before + ", after " + after + ")");
            }
            ReadVerifier checker = new ReadVerifier(plan, backingRead, o.seed(), o.vms(), log);
            CowChecks cowChecks = new CowChecks(plan, checker, log);
            boolean bitmapsExact = true;
            long[] usage = new long[o.vms()];
            for (VmReplayer vm : vms) {
                CowChecks.BitmapResult r = cowChecks.bitmap(vm.vm, cows.get(vm.vm), vm.shift);
                bitmapsExact &= r.exact();
                usage[vm.vm] = r.diskUsage();
            }
            int merges = Math.min(o.mergeChecks(), o.vms());
            int mergesOk = 0;
            for (int i = 0; i < merges; i++) {
                int vm = merges == 1 ? 0 : (int) ((long) i * (o.vms() - 1) / (merges - 1));
                if (cowChecks.merge(vm, cows.get(vm), backing, vms.get(vm).shift)) {
                    mergesOk++;
                }
            }
            KernelOracle.Result oracle = KernelOracle.Result.NONE;
            int sampled = Math.min(o.oracle(), o.vms());
            if (sampled > 0) {
                int[] picked = new int[sampled];
                long[] shifts = new long[o.vms()];
                for (VmReplayer vm : vms) {
                    shifts[vm.vm] = vm.shift;
                }
                for (int i = 0; i < sampled; i++) {
                    picked[i] = sampled == 1 ? 0 : (int) ((long) i * (o.vms() - 1) / (sampled - 1));
                }
                Path work = Files.createTempDirectory(cows.get(0).toAbsolutePath().getParent(), ".ubd-oracle-");
                try {
                    oracle = new KernelOracle(plan, checker, log).check(picked, cows, shifts, work);
                } finally {
                    try (var files = Files.list(work)) {
                        for (Path p : files.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(work);
                }
            }
            ReplayResult result = ReplayResult.of(o, plan, vms, latency, elapsedNanos, log, backingUnchanged, bitmapsExact, usage,
                    merges, mergesOk, samples, before, oracle);
            if (o.fault() != null) {
                result.json().put("faults_injected", faults.stream().mapToLong(FaultInjectingDevice::injected).sum());
            }
            return result;
        }
    }

    private static UbdDeviceConfig parse(String spec) {
        ParseOutcome outcome = new UbdOptionParser().parse(spec);
        if (outcome instanceof ParseOutcome.Configured c) {
            return c.device();
        }
        throw new UbdException(outcome instanceof ParseOutcome.Failed f ? f.message()
                : "\"" + spec + "\" configures no device (expected ubd<N>[flags]=COW,BACKING)");
    }

    static long[] sorted(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s;
    }
}
