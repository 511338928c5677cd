package org.ubdjava.bench.macro;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.harness.trace.DeviceClipper;
import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;

/**
 * The memory a replay of a whole trace leaves behind in one JVM: N COW devices attached over one
 * sparse backing file the size of the trace's disk, each bitmap holding every sector the trace
 * writes or discards (the state after a full replay; the data itself is not written, it would
 * take N times the trace's 2.4 GB of disk). Prints the heap after GC.
 *
 * <p>Usage: {@code java -Xmx2g --add-opens ... -cp bench/target/benchmarks.jar
 * org.ubdjava.bench.macro.ReplayMemoryBenchmark TRACE [VMS] [DIR]}
 */
public final class ReplayMemoryBenchmark {
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: ReplayMemoryBenchmark TRACE [VMS] [DIR]  (TRACE: e.g. the CloudPhysics cloudPhysicsIO.vscsi)");
            System.exit(2);
        }
        Path trace = Path.of(args[0]);
        int vms = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Path dir = Path.of(args.length > 2 ? args[2] : "/tmp/ubd-replay-memory");
        long device = 32L << 30;
        Files.createDirectories(dir);
        Path backing = dir.resolve("base.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(device);
        }
        long heap0 = heapAfterGc();
        List<long[]> writes = new ArrayList<>();
        DeviceClipper clipper = new DeviceClipper(device);
        try (TraceReader r = TraceReaders.open(trace)) {
            TraceRecord.Mutable m = new TraceRecord.Mutable();
            while (r.next(m)) {
                if ((m.op() == TraceOp.WRITE || m.op() == TraceOp.DISCARD) && clipper.clip(m)) {
                    writes.add(new long[] {m.offset() / 512, m.end() / 512});
                }
            }
        }
        try (UbdDriver driver = new UbdDriver()) {
            List<Disk> disks = new ArrayList<>();
            for (int i = 0; i < vms; i++) {
                Path cow = dir.resolve("vm-" + i + ".cow");
                Files.deleteIfExists(cow);
                disks.add(driver.attach("ubd" + (i % 16) + "=" + cow + "," + backing, KernelLog.DISCARD));
            }
            long heapAttached = heapAfterGc();
            for (Disk d : disks) {
                CowBitmap bm = d.files().bitmap();
                for (long[] w : writes) {
                    bm.setRange(w[0], w[1]);
                }
            }
            long heapFull = heapAfterGc();
            CowBitmap one = disks.get(0).files().bitmap();
            System.out.printf(Locale.ROOT, "trace: %d write/discard requests, %d sectors set per VM, %d of %d bitmap pages per VM%n",
                    writes.size(), one.cardinality(), one.allocatedPages(), (one.wordCount() + CowBitmap.PAGE_WORDS - 1) / CowBitmap.PAGE_WORDS);
            System.out.printf(Locale.ROOT, "%d VMs on a %d GiB device, -Xmx %d MiB%n", vms, device >> 30,
                    Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf(Locale.ROOT, "heap after GC: start %.1f MiB, attached %.1f MiB, after a full replay's bits %.1f MiB (%.1f KiB per VM; a dense bitmap would be %d KiB)%n",
                    heap0 / 1048576.0, heapAttached / 1048576.0, heapFull / 1048576.0, (heapFull - heap0) / 1024.0 / vms, device / 512 / 8 / 1024);
            for (int i = 0; i < vms; i++) {
                Files.deleteIfExists(dir.resolve("vm-" + i + ".cow"));
            }
        }
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
