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
import java.util.concurrent.locks.LockSupport;

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
import org.ubdjava.driver.queue.Completion;
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
 * The completions are preallocated (no CompletableFuture): depth 1 waits on a volatile sequence,
 * spinning briefly then parking; depth 32 takes completed slots from a single-producer ring.
 * Run with {@code -prof gc} to see the allocation per request ({@code gc.alloc.rate.norm}).
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

    /** After spinning, yield this many times before parking (lets the I/O thread run on a busy 2-core box). */
    static final int YIELDS = Integer.getInteger("bench.yields", 0);

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

    /** The driver with one COW device (or a raw one for rawDeviceRead1) and preallocated completions. */
    @State(Scope.Thread)
    public static class Driver {
        @Param({"blocking", "phased", "yielding", "busyspin"})
        String waitStrategy;

        UbdDriver driver;
        Disk disk;
        Path workCopy;
        final Xorshift offsets = new Xorshift(42);
        final Waiter one = new Waiter();
        final Pipeline many = new Pipeline();
        final ByteBuffer[] bufs = new ByteBuffer[DEPTH];
        boolean write;
        long submitted;

        @Setup(Level.Trial)
        public void setUp(FilesState fs, BenchmarkParams params) throws IOException {
            String bench = params.getBenchmark();
            write = bench.contains("Write");
            boolean raw = bench.contains("rawDevice");
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
            if (bench.endsWith("32")) {
                for (int i = 0; i < DEPTH; i++) {
                    driver.submit(disk, write ? IoOp.WRITE : IoOp.READ, offsets.next(BLOCKS) * BenchFiles.BLOCK, bufs[i], 0, many, i);
                    submitted++;
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            while (many.completed < submitted) {
                Thread.onSpinWait();
            }
            driver.close();
            long errors = one.errors + many.errors;
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

        /** Depth 1: submit, then wait for this very request. */
        long oneRequest(IoOp op) {
            long seq = ++one.submitted;
            driver.submit(disk, op, offsets.next(BLOCKS) * BenchFiles.BLOCK, bufs[0], 0, one, seq);
            one.await(seq);
            return seq;
        }

        /** Depth 32: wait for any completion, resubmit its slot at a new offset. */
        long nextOfMany(IoOp op) {
            int slot = many.take();
            driver.submit(disk, op, offsets.next(BLOCKS) * BenchFiles.BLOCK, bufs[slot], 0, many, slot);
            submitted++;
            return slot;
        }
    }

    /** One request at a time: the I/O thread publishes the tag it finished; the caller spins, then parks. */
    static final class Waiter implements Completion {
        volatile long done;
        volatile boolean parked;
        volatile Thread waiter;
        long submitted;
        long errors;

        @Override
        public void complete(long tag, IoStatus status) {
            if (status != IoStatus.OK) {
                errors++;
            }
            done = tag;
            if (parked) {
                LockSupport.unpark(waiter);
            }
        }

        void await(long seq) {
            for (int i = 0; i < SPINS; i++) {
                if (done == seq) {
                    return;
                }
                Thread.onSpinWait();
            }
            for (int i = 0; i < YIELDS; i++) {
                if (done == seq) {
                    return;
                }
                Thread.yield();
            }
            waiter = Thread.currentThread();
            parked = true;
            while (done != seq) {
                LockSupport.park(this);
            }
            parked = false;
        }
    }

    /** Many in flight: completed slots go into a ring written by the one I/O thread that owns the disk. */
    static final class Pipeline implements Completion {
        final int[] slots = new int[2 * DEPTH];
        long written;
        volatile long completed;
        long taken;
        volatile boolean parked;
        volatile Thread waiter;
        long errors;

        @Override
        public void complete(long tag, IoStatus status) {
            if (status != IoStatus.OK) {
                errors++;
            }
            slots[(int) (written & (slots.length - 1))] = (int) tag;
            completed = ++written;
            if (parked) {
                LockSupport.unpark(waiter);
            }
        }

        int take() {
            long want = taken + 1;
            if (completed < want) {
                int i = 0;
                while (completed < want && i++ < SPINS) {
                    Thread.onSpinWait();
                }
                for (int y = 0; completed < want && y < YIELDS; y++) {
                    Thread.yield();
                }
                if (completed < want) {
                    waiter = Thread.currentThread();
                    parked = true;
                    while (completed < want) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
            return slots[(int) (taken++ & (slots.length - 1))];
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
    public long driverRead1(Driver d) {
        return d.oneRequest(IoOp.READ);
    }

    @Benchmark
    public long driverRead32(Driver d) {
        return d.nextOfMany(IoOp.READ);
    }

    @Benchmark
    public long rawDeviceRead1(Driver d) {
        return d.oneRequest(IoOp.READ);
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
    public long driverWrite1(Driver d) {
        return d.oneRequest(IoOp.WRITE);
    }

    @Benchmark
    public long driverWrite32(Driver d) {
        return d.nextOfMany(IoOp.WRITE);
    }
}
