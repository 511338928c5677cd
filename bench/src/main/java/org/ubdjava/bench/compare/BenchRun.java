package org.ubdjava.bench.compare;

import org.ubdjava.bench.BenchFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.realtools.Processes;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.cachesim.ShippedTraces;
import org.ubdjava.export.Servers;
import org.ubdjava.export.nbd.ListenAddress;
import org.ubdjava.export.nbd.NbdServer;

/**
 * Every system on every workload, in one run, so ratios compare like with like: the raw host file,
 * our driver without and with the shared cache, qcow2 through qemu-img bench, the real UML driver
 * with fio in the guest; then the cache study on the real trace. Missing tools are skipped with a
 * line saying so.
 */
public final class BenchRun {
    static final int DEPTH = 32;

    private final BenchPlan plan;
    private final PrintWriter log;
    private final BenchFiles files;
    private final List<Measurement> results = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private TracePages trace;

    private final CacheConfig cache;
    private final List<String> ubd;

    /**
     * @param tracePath the trace of the trace workload and the cache study, or null for the shipped one
     * @param policy    the shared cache's policy in the driver+cache rows (the study compares all of them)
     */
    public BenchRun(boolean quick, Path dir, Path tracePath, CachePolicy policy, PrintWriter log) {
        this(quick, dir, tracePath, policy, log, List.of());
    }

    /** @param ubd how a user starts ubd (the launcher), for the guest rows' fresh server; empty: it runs in this JVM */
    public BenchRun(boolean quick, Path dir, Path tracePath, CachePolicy policy, PrintWriter log, List<String> ubd) {
        this.ubd = List.copyOf(ubd);
        this.plan = BenchPlan.of(quick, dir, tracePath);
        this.cache = new CacheConfig(policy, plan.cacheBytes(), 0);
        this.log = log;
        this.files = new BenchFiles(dir, plan.backingBytes());
    }

    public BenchReport run() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        // the trace first: one that cannot be read is refused before any benchmark file is made
        trace = plan.trace() == null
                ? TracePages.read(ShippedTraces.open(ShippedTraces.NAMES.get(0)), plan.traceLimit())
                : TracePages.read(plan.trace(), plan.traceLimit());
        files.prepare();
        files.warmPageCache();
        raw();
        driver(BenchSystem.DRIVER, CacheConfig.off());
        driver(BenchSystem.DRIVER_CACHE, cache);
        results.addAll(new DirectIoStudy(files, trace, cache.policy(), plan, this::progress).run());
        qcow2();
        overNbd();
        uml(GUEST_ROUNDS);
        List<CacheStudy.Result> study = trace == null ? List.of() : study();
        return new BenchReport(plan, cache.policy(), withRatios(), study, skipped, (System.nanoTime() - t0) / 1e9, GUEST_ROUNDS);
    }

    /**
     * Only the real guests ({@link GuestFioBench}): fio in one UML guest on the kernel's ubd, on a
     * freshly started {@code ubd serve --listen vhost-user:} and on qemu-storage-daemon, each
     * workload on each in turn, {@code rounds} rounds.
     */
    public BenchReport guest(int rounds) throws IOException {
        long t0 = System.nanoTime();
        files.prepare();
        files.warmPageCache();
        uml(rounds);
        return new BenchReport(plan, cache.policy(), withRatios(), List.of(), skipped, (System.nanoTime() - t0) / 1e9, rounds);
    }

    private void skip(String line) {
        skipped.add(line);
        log.println("*** " + line);
        log.flush();
    }

    private void progress(String what) {
        log.println("  " + what);
        log.flush();
    }

    private void raw() throws IOException {
        Path scratch = plan.dir().resolve("raw-scratch.img");
        Files.deleteIfExists(scratch);
        try (FileChannel back = FileChannel.open(files.backing, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(scratch, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            out.truncate(0);
            out.write(java.nio.ByteBuffer.wrap(new byte[1]), files.size - 1);
            for (Workload w : Workload.values()) {
                if (w == Workload.TRACE && trace == null) {
                    continue;
                }
                progress("raw " + w.id);
                results.add(RawFileLoad.run(back, out, w, trace, plan.warmMillis(), plan.measureMillis()));
            }
            progress("cache layer alone, 4 KiB random hits");
            results.add(DeviceLoop.cacheHits(back, cache, plan.warmMillis(), plan.measureMillis()));
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    private void driver(BenchSystem system, CacheConfig cache) throws IOException, InterruptedException {
        for (Workload w : Workload.values()) {
            if (w == Workload.TRACE && trace == null) {
                continue;
            }
            for (int devices : plan.deviceCounts()) {
                if (devices > 1 && (w == Workload.RAND_READ_HALF || (plan.quick() && w != Workload.RAND_READ_EMPTY && w != Workload.TRACE))) {
                    continue; // --quick: several devices only where sharing shows
                }
                if (w == Workload.TRACE && devices == 1 || plan.quick() && w == Workload.TRACE && devices == 64) {
                    continue;
                }
                int[] depths = devices == 1 && !w.sequential && w != Workload.TRACE ? new int[] {1, DEPTH}
                        : new int[] {Math.max(1, (w.sequential ? devices : DEPTH) / devices)};
                for (int depth : depths) {
                    progress(system + " " + w.id + " x" + devices + " depth " + depth);
                    results.add(driverRun(system, cache, w, devices, depth));
                }
            }
        }
    }

    private Measurement driverRun(BenchSystem system, CacheConfig cache, Workload w, int devices, int depth)
            throws IOException, InterruptedException {
        List<Path> cows = new ArrayList<>();
        try (UbdDriver driver = new UbdDriver(DriverConfig.defaults().withCache(cache))) {
            List<Disk> disks = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                String spec;
                if (w == Workload.RAND_READ_HALF) {
                    spec = "ubd0r=" + files.cowHalf + "," + files.backing;
                } else {
                    Path cow = plan.dir().resolve("run-" + i + ".cow");
                    Files.deleteIfExists(cow);
                    cows.add(cow);
                    spec = "ubd" + (i % 16) + "=" + cow + "," + files.backing;
                }
                disks.add(driver.attach(spec, KernelLog.DISCARD));
            }
            // one sequential pass: the host page cache is warm for every system, and our cache is full
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < files.size; at += b.capacity()) {
                b.clear();
                driver.submit(disks.get(0), IoOp.READ, at, b, 0).join();
            }
            return new DriverLoad(driver, w, trace).run(system, disks, depth, plan.warmMillis(), plan.measureMillis());
        } finally {
            for (Path c : cows) {
                Files.deleteIfExists(c);
            }
        }
    }

    private void qcow2() throws IOException {
        Optional<Path> qemu = Processes.onPath("qemu-img");
        if (qemu.isEmpty()) {
            skip("qcow2 skipped: qemu-img not installed (apt-get install -y qemu-utils)");
            return;
        }
        QemuImgBench q = new QemuImgBench(qemu.get(), plan.dir(), files.backing);
        double scale = plan.measureMillis() / 1000.0;
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE, Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            for (int depth : w.sequential ? new int[] {1} : new int[] {1, DEPTH}) {
                int count = (int) (scale * (w.sequential ? 2000 : depth == 1 ? 40_000 : 150_000));
                progress("qcow2 " + w.id + " depth " + depth);
                try {
                    results.add(q.run(w, depth, count));
                } catch (IOException e) {
                    skip("qcow2 " + w.id + " failed: " + e.getMessage());
                }
            }
        }
    }

    /** Our driver exported by ubd serve, driven by the same qemu-img bench as the qcow2 row. */
    private void overNbd() throws IOException {
        Optional<Path> qemu = Processes.onPath("qemu-img");
        if (qemu.isEmpty()) {
            skip("driver over NBD skipped: qemu-img not installed (apt-get install -y qemu-utils)");
            return;
        }
        QemuImgBench q = new QemuImgBench(qemu.get(), plan.dir(), files.backing);
        double scale = plan.measureMillis() / 1000.0;
        Path socket = plan.dir().resolve("bench-nbd.sock");
        for (Workload w : new Workload[] {Workload.RAND_READ_EMPTY, Workload.RAND_WRITE, Workload.SEQ_READ, Workload.SEQ_WRITE}) {
            for (int depth : w.sequential ? new int[] {1} : new int[] {1, DEPTH}) {
                int count = (int) (scale * (w.sequential ? 2000 : depth == 1 ? 40_000 : 150_000));
                progress("driver over NBD " + w.id + " depth " + depth);
                Path cow = plan.dir().resolve("nbd-" + w.id + "-" + depth + ".cow");
                Files.deleteIfExists(cow);
                UbdDriver driver = Servers.driver(); // as ubd serve runs it
                try (NbdServer server = new NbdServer(driver, List.of(UbdOptionParser.device("ubd0=" + cow + "," + files.backing)),
                        ListenAddress.parse("unix:" + socket), KernelLog.DISCARD, line -> { })) {
                    server.start();
                    results.add(q.bench(BenchSystem.DRIVER_NBD, "raw", server.uri("ubda"), w, depth, count));
                } catch (IOException | RuntimeException e) {
                    skip("driver over NBD " + w.id + " failed: " + e.getMessage());
                } finally {
                    Files.deleteIfExists(cow);
                }
                qemuNbd(q, w, depth, count);
            }
        }
    }

    /** qemu-nbd serving a qcow2 overlay of the same backing file over a unix socket: the peer ubd serve is measured against, as a user would otherwise serve a COW image. */
    private void qemuNbd(QemuImgBench q, Workload w, int depth, int count) throws IOException {
        Optional<Path> qemuNbd = Processes.onPath("qemu-nbd");
        Optional<Path> qemuImg = Processes.onPath("qemu-img");
        if (qemuNbd.isEmpty() || qemuImg.isEmpty()) {
            skip("qemu-nbd skipped: not installed (apt-get install -y qemu-utils)");
            return;
        }
        progress("qemu-nbd " + w.id + " depth " + depth);
        Path overlay = plan.dir().resolve("qemu-nbd-" + w.id + "-" + depth + ".qcow2");
        Path socket = plan.dir().resolve("qemu-nbd.sock");
        Files.deleteIfExists(overlay);
        Files.deleteIfExists(socket);
        Processes.Result c = Processes.run(plan.dir(), List.of(qemuImg.get().toString(), "create", "-q", "-f", "qcow2", "-b",
                files.backing.toString(), "-F", "raw", overlay.toString()), 60);
        if (c.exit() != 0) {
            skip("qemu-nbd " + w.id + ": qemu-img create failed: " + c.both().strip());
            return;
        }
        Process server = new ProcessBuilder(qemuNbd.get().toString(), "--persistent", "--shared=8", "--cache=writeback",
                "--socket=" + socket, "-f", "qcow2", overlay.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(socket) && System.nanoTime() < deadline && server.isAlive()) {
                sleepQuietly(20);
            }
            if (!Files.exists(socket)) {
                skip("qemu-nbd " + w.id + ": the server did not start");
                return;
            }
            results.add(q.bench(BenchSystem.QEMU_NBD, "raw", "nbd+unix:///?socket=" + socket, w, depth, count));
        } catch (IOException e) {
            skip("qemu-nbd " + w.id + " failed: " + e.getMessage());
        } finally {
            server.destroy();
            try {
                server.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(overlay);
            Files.deleteIfExists(socket);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Rounds of the guest's fio runs (each back-end in turn each round) in the whole run: one run of a few seconds moves by 2x. */
    static final int GUEST_ROUNDS = 3;

    private void uml(int rounds) throws IOException {
        Optional<Path> fio = Processes.onPath("fio");
        if (fio.isEmpty()) {
            skip("real UML driver skipped: fio not installed (apt-get install -y fio)");
            return;
        }
        progress("uml: booting linux.uml");
        Optional<UmlKernel> k = UmlKernel.get();
        if (k.isEmpty()) {
            skip("real UML driver skipped: " + UmlKernel.whyUnavailable());
            return;
        }
        Path half = plan.dir().resolve("uml-half.cow");
        try {
            Processes.run(plan.dir(), List.of("cp", "--sparse=always", files.cowHalf.toString(), half.toString()), 120);
            int seconds = (int) Math.max(1, plan.measureMillis() / 1000);
            progress("uml: fio in one guest on the kernel's ubd, ubd-java's vhost-user and qemu-storage-daemon, " + seconds
                    + " s per workload each");
            results.addAll(new GuestFioBench(k.get(), fio.get(), plan.dir().resolve("guest"), ubd, this::skip).run(files.backing, half,
                    List.of(Workload.RAND_READ_HALF, Workload.RAND_READ_EMPTY, Workload.RAND_WRITE, Workload.SEQ_READ,
                            Workload.SEQ_WRITE), seconds, rounds));
        } catch (RuntimeException e) {
            skip("real UML guest rows failed: " + e.getMessage());
        } finally {
            Files.deleteIfExists(half);
        }
    }

    /** The I/O runs are over, so the simulations may use every core: one per (VMs, policy). */
    private List<CacheStudy.Result> study() {
        CacheStudy s = new CacheStudy(trace);
        List<int[]> jobs = new ArrayList<>();
        CachePolicy[] policies = {CachePolicy.LRU, CachePolicy.CLOCK, CachePolicy.W_TINYLFU};
        for (int vms : new int[] {8, 64}) {
            for (int p = 0; p < policies.length; p++) {
                jobs.add(new int[] {vms, p});
            }
        }
        progress("cache study: " + jobs.size() + " simulations (8 and 64 VMs x " + policies.length + " policies) on "
                + trace.count + " trace records");
        return jobs.parallelStream().map(j -> s.run(j[0], policies[j[1]], plan.studyPerVmMiB(), plan.studySteps())).toList();
    }

    private List<Measurement> withRatios() {
        List<Measurement> out = new ArrayList<>();
        for (Measurement m : results) {
            double raw = results.stream().filter(r -> r.system() == BenchSystem.RAW && r.workload() == m.workload())
                    .mapToDouble(Measurement::iops).findFirst().orElse(Double.NaN);
            out.add(m.withRatio(m.iops() / raw));
        }
        return out;
    }
}
