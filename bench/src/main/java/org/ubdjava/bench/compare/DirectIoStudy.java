package org.ubdjava.bench.compare;

import org.ubdjava.bench.BenchFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The backing cache measured where it pays: the backing file read with O_DIRECT (the host's page
 * cache bypassed, as with network or shared storage), N VMs replaying the trace as fast as
 * possible, each started at its own point of it. For 1, 8 and 64 VMs: no cache, one shared
 * cache of {@link #CACHE_BYTES}, and (several VMs) private caches of {@code CACHE_BYTES / N}
 * each, the same total; buffered reads with no cache of ours (the host's page cache, warm) are
 * the baseline. Rows are named {@code direct}, {@code direct+shared}, {@code direct+private} and
 * {@code buffered}, workload {@code trace}.
 */
final class DirectIoStudy {
    /** The total cache: a quarter of the shipped guest-scan trace's footprint (131 MiB of distinct pages read by one VM). */
    static final long CACHE_BYTES = 32L << 20;
    static final int[] VMS = {1, 8, 64};

    private final BenchFiles files;
    private final TracePages trace;
    private final CachePolicy policy;
    private final BenchPlan plan;
    private final Consumer<String> progress;

    DirectIoStudy(BenchFiles files, TracePages trace, CachePolicy policy, BenchPlan plan, Consumer<String> progress) {
        this.files = files;
        this.trace = trace;
        this.policy = policy;
        this.plan = plan;
        this.progress = progress;
    }

    List<Measurement> run() throws IOException, InterruptedException {
        List<Measurement> out = new ArrayList<>();
        for (int vms : VMS) {
            out.add(run(BenchSystem.BUFFERED, vms, CacheConfig.off(), false));
            out.add(run(BenchSystem.DIRECT, vms, CacheConfig.off(), true));
            out.add(run(BenchSystem.DIRECT_SHARED, vms, CacheConfig.of(policy, CACHE_BYTES), true));
            if (vms > 1) {
                out.add(run(BenchSystem.DIRECT_PRIVATE, vms, CacheConfig.privateOf(policy, CACHE_BYTES / vms), true));
            }
        }
        return out;
    }

    private Measurement run(BenchSystem system, int vms, CacheConfig cache, boolean direct) throws IOException, InterruptedException {
        progress.accept(system + " trace x" + vms + (cache.enabled() ? " (" + policy + ", " + (CACHE_BYTES >> 20) + " MiB total)" : ""));
        List<Path> cows = new ArrayList<>();
        DriverConfig config = DriverConfig.defaults().withCache(cache).withDirectBackingReads(direct);
        try (UbdDriver driver = new UbdDriver(config)) {
            List<Disk> disks = new ArrayList<>();
            for (int i = 0; i < vms; i++) {
                Path cow = plan.dir().resolve("direct-" + i + ".cow");
                Files.deleteIfExists(cow);
                cows.add(cow);
                disks.add(driver.attach("ubd" + (i % 16) + "=" + cow + "," + files.backing, KernelLog.DISCARD));
            }
            int depth = Math.max(1, BenchRun.DEPTH / vms);
            return new DriverLoad(driver, Workload.TRACE, trace).run(system, disks, depth, plan.warmMillis(), plan.measureMillis());
        } finally {
            for (Path c : cows) {
                Files.deleteIfExists(c);
            }
        }
    }
}
