package org.ubdjava.bench.macro;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * Many devices in one JVM: N COW devices (default 1,000), each with its own COW file, all over one
 * 1 GiB backing file (random data, a fifth of it holes), attached to one driver. Each device then
 * takes a few random 4 KiB writes and reads (half of the reads on blocks it just wrote), every
 * read checked against what it must hold. Prints heap used after a full GC, the cost per device,
 * direct memory, RSS and open descriptors ({@code /proc/self/fd}) before attaching, after
 * attaching, after the I/O and after closing.
 *
 * <p>Meant to run in a 1 GiB heap: {@code java -Xmx1g --add-opens java.base/sun.nio.ch=ALL-UNNAMED
 * --add-opens java.base/java.io=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * org.ubdjava.bench.macro.ManyDevicesBenchmark [DIR] [DEVICES] [WRITES] [READS]}
 *
 * <p>The kernel syntax has 16 units, so device i is attached as {@code ubd<i mod 16>=cow-i.img,back}:
 * the driver does not require distinct names, each attach is its own disk.
 */
public final class ManyDevicesBenchmark {
    static final long SIZE = 1L << 30;
    static final int BLOCK = 4096;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/ubd-bench/many");
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int writes = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int reads = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        Files.createDirectories(dir);
        Path back = dir.resolve("back-sparse.img");
        if (!Files.exists(back) || Files.size(back) != SIZE) {
            System.out.println("making a 1 GiB backing file (random data, a fifth holes)...");
            MergeBenchmark.makeBacking(back, SIZE);
        }
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "cow-*.img")) {
            for (Path p : old) {
                Files.delete(p);
            }
        }
        System.out.printf(Locale.ROOT, "max heap %d MiB, %d devices, %d writes + %d reads of 4 KiB each%n",
                Runtime.getRuntime().maxMemory() >> 20, devices, writes, reads);

        Snapshot before = Snapshot.take();
        UbdDriver driver = new UbdDriver();
        Disk[] disks = new Disk[devices];
        long t0 = System.nanoTime();
        for (int i = 0; i < devices; i++) {
            disks[i] = driver.attach("ubd" + (i % 16) + "=" + dir.resolve("cow-" + i + ".img") + "," + back, KernelLog.DISCARD);
        }
        double attachSeconds = (System.nanoTime() - t0) / 1e9;
        Snapshot attached = Snapshot.take();

        Batch batch = new Batch(writes + reads);
        SplittableRandom rnd = new SplittableRandom(7);
        long blocks = SIZE / BLOCK;
        long[] offsets = new long[writes + reads];
        long checked = 0;
        long t1 = System.nanoTime();
        for (int i = 0; i < devices; i++) {
            for (int w = 0; w < writes; w++) {
                offsets[w] = rnd.nextLong(blocks) * BLOCK;
                pattern(batch.bufs[w], i, offsets[w]);
            }
            for (int r = 0; r < reads; r++) {
                offsets[writes + r] = r % 2 == 0 && writes > 0 ? offsets[rnd.nextInt(writes)] : rnd.nextLong(blocks) * BLOCK;
                batch.bufs[writes + r].clear();
            }
            batch.reset();
            for (int k = 0; k < writes + reads; k++) {
                driver.submit(disks[i], k < writes ? IoOp.WRITE : IoOp.READ, offsets[k], batch.bufs[k], 0, batch, k);
            }
            batch.await();
            for (int r = 0; r < reads; r++) {
                check(batch.bufs[writes + r], expected(back, i, offsets[writes + r], offsets, writes, batch.expect), i, offsets[writes + r]);
                checked++;
            }
        }
        double ioSeconds = (System.nanoTime() - t1) / 1e9;
        Snapshot afterIo = Snapshot.take();
        driver.close();
        java.util.Arrays.fill(disks, null); // the closed disks' bitmaps become garbage
        Snapshot closed = Snapshot.take();

        System.out.println();
        System.out.printf(Locale.ROOT, "%-16s %12s %12s %10s %12s %10s%n", "phase", "heap used", "per device", "open fds", "direct mem", "RSS");
        row("before attach", before, before, 0);
        row("attached", attached, before, devices);
        row("after I/O", afterIo, before, devices);
        row("closed", closed, before, 0);
        System.out.println();
        long bitmapBytes = SIZE / 512 / 8;
        System.out.printf(Locale.ROOT, "attach: %.2f s (%.2f ms per device); I/O: %d requests in %.2f s, %d reads checked, all OK%n",
                attachSeconds, attachSeconds * 1000 / devices, (long) devices * (writes + reads), ioSeconds, checked);
        System.out.printf(Locale.ROOT, "each device's COW bitmap is %d KiB in memory (1 GiB / 512 B sectors / 8)%n", bitmapBytes >> 10);
        System.out.printf(Locale.ROOT, "descriptors: %d for %d devices (one per COW file, the backing file shared)%n",
                attached.fds - before.fds, devices);
        try (DirectoryStream<Path> cows = Files.newDirectoryStream(dir, "cow-*.img")) {
            for (Path p : cows) {
                Files.delete(p);
            }
        }
    }

    static void row(String phase, Snapshot s, Snapshot base, int devices) {
        String per = devices == 0 ? "-" : String.format(Locale.ROOT, "%.1f KiB", (s.heap - base.heap) / 1024.0 / devices);
        System.out.printf(Locale.ROOT, "%-16s %9.1f MiB %12s %10d %8.1f MiB %6d MiB%n", phase, s.heap / 1048576.0, per, s.fds,
                s.direct / 1048576.0, s.rssKiB >> 10);
    }

    /** What a 4 KiB read at {@code off} of device {@code dev} must return: its last write there, else the backing file. */
    static ByteBuffer expected(Path back, int dev, long off, long[] offsets, int writes, ByteBuffer into) throws IOException {
        for (int w = writes - 1; w >= 0; w--) {
            if (offsets[w] == off) {
                pattern(into, dev, off);
                return into;
            }
        }
        into.clear();
        // through the descriptor the devices share: a second descriptor's close would drop the process's lock
        HostFileTable.PROCESS.read(back, ch -> {
            while (into.hasRemaining()) {
                if (ch.read(into, off + into.position()) < 0) {
                    while (into.hasRemaining()) {
                        into.put((byte) 0);
                    }
                }
            }
            return null;
        });
        return into.flip();
    }

    static void check(ByteBuffer got, ByteBuffer want, int dev, long off) {
        got.clear();
        want.clear();
        if (!got.equals(want)) {
            throw new IllegalStateException("device " + dev + " offset " + off + ": read back wrong data");
        }
    }

    static void pattern(ByteBuffer b, int dev, long off) {
        SplittableRandom r = new SplittableRandom(dev * 0x9E3779B97F4A7C15L ^ off);
        b.clear();
        while (b.hasRemaining()) {
            b.putLong(r.nextLong());
        }
        b.clear();
    }

    /** A batch of requests on one device, waited for together; preallocated buffers. */
    static final class Batch implements Completion {
        final ByteBuffer[] bufs;
        final ByteBuffer expect = ByteBuffer.allocateDirect(BLOCK);
        final int size;
        volatile int done;
        volatile int failed;
        final Thread owner = Thread.currentThread();

        Batch(int size) {
            this.size = size;
            bufs = new ByteBuffer[size];
            for (int i = 0; i < size; i++) {
                bufs[i] = ByteBuffer.allocateDirect(BLOCK);
            }
        }

        void reset() {
            done = 0;
        }

        @Override
        public void complete(long tag, IoStatus status) {
            if (status != IoStatus.OK) {
                failed++;
            }
            int d = done + 1; // one I/O thread owns the disk: a single writer
            done = d;
            if (d == size) {
                LockSupport.unpark(owner);
            }
        }

        void await() {
            while (done < size) {
                LockSupport.parkNanos(this, 100_000);
            }
            if (failed > 0) {
                throw new IllegalStateException(failed + " requests failed");
            }
        }
    }

    record Snapshot(long heap, long fds, long direct, long rssKiB) {
        static Snapshot take() throws IOException {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long fds;
            try (var s = Files.list(Path.of("/proc/self/fd"))) {
                fds = s.count();
            }
            long direct = 0;
            for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (p.getName().equals("direct")) {
                    direct = p.getMemoryUsed();
                }
            }
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return new Snapshot(heap, fds, direct, rss);
        }
    }
}
