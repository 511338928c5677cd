package org.ubdjava.bench.jmh;

import org.ubdjava.bench.BenchFiles;
import org.ubdjava.bench.Xorshift;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.ClosedLoop;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

/**
 * 4 KiB random I/O through the driver against plain FileChannel loops on the same files, in the
 * same run (figures on a shared 2-core machine are only comparable as ratios).
 *
 * <ul>
 * <li>{@code baselinePreadLoop}: {@code FileChannel.read(buf, pos)} at random 4 KiB offsets of the
 *     1 GiB backing file (warm page cache).</li>
 * <li>{@code driverRead1} / {@code driverRead32}: the same reads from a COW device whose COW file
 *     holds half of the blocks, at queue depth 1 (submit, wait) and 32 (32 in flight; one op is one
 *     completed request).</li>
 * <li>{@code rawDeviceRead1}: a raw image device on the backing file (no COW layer), depth 1.</li>
 * <li>{@code baselinePwriteLoop}: {@code FileChannel.write(buf, pos)} into the data area of a copy of
 *     the half-full COW file (the very place the driver's writes land).</li>
 * <li>{@code driverWrite1} / {@code driverWrite32}: 4 KiB writes into a fresh copy of the half-full
 *     COW device; a write to a block not yet in the COW file also writes its bitmap byte.</li>
 * </ul>
 *
 * Both depths are the driver's {@link ClosedLoop} run from the benchmark's thread
 * ({@link ClosedLoop#fromOwner}): one op waits for a free slot (spinning {@code bench.spins} times,
 * then parking) and submits the next request into it, as a front-end's thread does; nothing is
 * allocated per request. Run with {@code -prof gc} to see it ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens",
        "java.base/java.io=ALL-UNNAMED"})
public class DriverIoBenchmark {
    static final int DEPTH = 32;
    /** Spins before parking while waiting for a completion: a 4 KiB page-cache copy is ~1-2 us. */
    static final int SPINS = Integer.getInteger("bench.spins", 1 << 12);
    /** The device: 1 GiB, larger than the CPU caches and most page-cache budgets of a CI machine. */
    static final long SIZE = 1L << 30;
    static final long BLOCKS = SIZE / BenchFiles.BLOCK;

    /** The shared files, made once and reused across runs. */
    @State(Scope.Benchmark)
    public static class FilesState {
        BenchFiles files;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            files = new BenchFiles(BenchFiles.defaultDir(), SIZE).prepare();
            files.warmPageCache();
        }
    }

    /** Plain FileChannel loops: the baselines. */
    @State(Scope.Thread)
    public static class Baseline {
        FileChannel backing;
        FileChannel writeTarget;
        long dataOffset;
        Path writeCopy;
        final ByteBuffer buf = ByteBuffer.allocateDirect(BenchFiles.BLOCK);
        final Xorshift offsets = new Xorshift(42);

        @Setup(Level.Trial)
        public void setUp(FilesState fs, BenchmarkParams params) throws IOException {
            backing = FileChannel.open(fs.files.backing, StandardOpenOption.READ);
            if (params.getBenchmark().endsWith("Write") || params.getBenchmark().contains("Pwrite")) {
                writeCopy = fs.files.workCopy("cow-pwrite.img");
                writeTarget = FileChannel.open(writeCopy, StandardOpenOption.READ, StandardOpenOption.WRITE);
                try (org.ubdjava.core.format.CowFile f = org.ubdjava.core.format.CowFile.open(writeCopy)) {
                    dataOffset = f.geometry().dataOffset();
                }
                fillRandom(buf, 7);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            backing.close();
            if (writeTarget != null) {
                writeTarget.close();
                Files.deleteIfExists(writeCopy);
            }
        }
    }

    /** The driver with one COW device (or a raw one for rawDeviceRead1) and a closed loop on it, 1 or 32 deep. */
    @State(Scope.Thread)
    public static class Driver implements ClosedLoop.Source {
        @Param({"blocking", "phased", "yielding", "busyspin"})
        String waitStrategy;

        UbdDriver driver;
        Disk disk;
        Path workCopy;
        ClosedLoop loop;
        final Xorshift offsets = new Xorshift(42);
        final ByteBuffer[] bufs = new ByteBuffer[DEPTH];
        IoOp op;
        /** Written on the I/O thread, read after the loop has drained. */
        volatile long errors;

        @Setup(Level.Trial)
        public void setUp(FilesState fs, BenchmarkParams params) throws IOException {
            String bench = params.getBenchmark();
            boolean write = bench.contains("Write");
            boolean raw = bench.contains("rawDevice");
            op = write ? IoOp.WRITE : IoOp.READ;
            driver = new UbdDriver(new DriverConfig(4096, 1, strategy(waitStrategy)));
            String spec;
            if (raw) {
                // read-only: shares the read descriptor a COW device on it would use
                spec = "ubd1r=" + fs.files.backing;
            } else if (write) {
                workCopy = fs.files.workCopy("cow-driver.img");
                spec = "ubd0=" + workCopy + "," + fs.files.backing;
            } else {
                spec = "ubd0=" + fs.files.cowHalf + "," + fs.files.backing;
            }
            disk = driver.attach(spec, KernelLog.DISCARD);
            for (int i = 0; i < DEPTH; i++) {
                bufs[i] = ByteBuffer.allocateDirect(BenchFiles.BLOCK);
                if (write) {
                    fillRandom(bufs[i], i);
                }
            }
            loop = ClosedLoop.fromOwner(driver, disk, bench.endsWith("32") ? DEPTH : 1, this).spinning(SPINS);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException, InterruptedException {
            loop.drain();
            driver.close();
            if (workCopy != null) {
                Files.deleteIfExists(workCopy);
            }
            if (errors > 0) {
                throw new IllegalStateException(errors + " requests failed");
            }
        }

        static WaitStrategy strategy(String name) {
            return switch (name) {
                case "blocking" -> new BlockingWaitStrategy();
                case "yielding" -> new YieldingWaitStrategy();
                case "phased" -> com.lmax.disruptor.PhasedBackoffWaitStrategy.withLock(20, 100, java.util.concurrent.TimeUnit.MICROSECONDS);
                case "busyspin" -> new BusySpinWaitStrategy();
                default -> throw new IllegalArgumentException(name);
            };
        }

        /** One op: waits for a free slot (at depth 1, the previous request's completion), submits the next request. */
        long step() throws InterruptedException {
            loop.step();
            return loop.completedCount();
        }

        @Override
        public ClosedLoop.Next next(long n, int slot, ClosedLoop.Requests to) {
            to.add(op, offsets.next(BLOCKS) * BenchFiles.BLOCK, bufs[slot].clear(), 0);
            return ClosedLoop.Next.ADDED;
        }

        @Override
        public void completed(int slot, IoStatus status) {
            if (status != IoStatus.OK) {
                errors++;
            }
        }
    }

    static void fillRandom(ByteBuffer b, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        b.clear();
        while (b.hasRemaining()) {
            b.putLong(rnd.nextLong());
        }
        b.clear();
    }

    // ---- reads ----

    @Benchmark
    public int baselinePreadLoop(Baseline b) throws IOException {
        ByteBuffer buf = b.buf;
        buf.clear();
        long pos = b.offsets.next(BLOCKS) * BenchFiles.BLOCK;
        while (buf.hasRemaining()) {
            if (b.backing.read(buf, pos + buf.position()) < 0) {
                break;
            }
        }
        return buf.get(0);
    }

    @Benchmark
    public long driverRead1(Driver d) throws InterruptedException {
        return d.step();
    }

    @Benchmark
    public long driverRead32(Driver d) throws InterruptedException {
        return d.step();
    }

    @Benchmark
    public long rawDeviceRead1(Driver d) throws InterruptedException {
        return d.step();
    }

    // ---- writes ----

    @Benchmark
    public int baselinePwriteLoop(Baseline b) throws IOException {
        ByteBuffer buf = b.buf;
        buf.clear();
        long pos = b.dataOffset + b.offsets.next(BLOCKS) * BenchFiles.BLOCK;
        while (buf.hasRemaining()) {
            b.writeTarget.write(buf, pos + buf.position());
        }
        return buf.position();
    }

    @Benchmark
    public long driverWrite1(Driver d) throws InterruptedException {
        return d.step();
    }

    @Benchmark
    public long driverWrite32(Driver d) throws InterruptedException {
        return d.step();
    }
}
