package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.DeviceOpener;
import org.ubdjava.core.device.HostFileTable;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;
import org.ubdjava.core.nativeio.NotSupportedException;
import org.ubdjava.core.options.ParseOutcome;
import org.ubdjava.core.options.UbdOptionParser;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.cache.CacheConfig;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.device.Durability;
import org.ubdjava.driver.device.ExtentSink;
import org.ubdjava.driver.device.FaultInjectingDevice;
import org.ubdjava.driver.device.FileDevice;
import org.ubdjava.driver.device.ForwardingHostIo;
import org.ubdjava.driver.device.HostIo;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.device.NoTrimDevice;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.lmax.disruptor.BlockingWaitStrategy;

/** The device stack answers for itself: what each layer can do, and where a device's data is. */
class DeviceCapabilitiesTest {
    static final int K = 1024;

    @TempDir
    Path dir;

    record Extent(long offset, long length, int flags) {
    }

    /** Adjacent extents with the same flags as one: both sides may split where the other does not. */
    static List<Extent> merged(List<Extent> in) {
        List<Extent> out = new ArrayList<>();
        for (Extent e : in) {
            Extent last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.flags == e.flags && last.offset + last.length == e.offset) {
                out.set(out.size() - 1, new Extent(last.offset, last.length + e.length, e.flags));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    static List<Extent> extents(UbdDriver driver, Disk disk, long offset, long length) {
        List<Extent> got = new ArrayList<>();
        java.util.concurrent.CompletableFuture<IoStatus> done = new java.util.concurrent.CompletableFuture<>();
        driver.submitExtents(disk, offset, length, (o, n, f) -> got.add(new Extent(o, n, f)), (tag, s) -> done.complete(s), 0);
        assertEquals(IoStatus.OK, done.join());
        return got;
    }

    /** 64 KiB: data in [0, 16K) and [48K, 64K), a real hole in [16K, 48K). */
    Path sparseBacking() throws IOException {
        Path back = dir.resolve("back.img");
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] data = new byte[16 * K];
            java.util.Arrays.fill(data, (byte) 0x5a);
            CowFixtures.write(ch, data, 0);
            CowFixtures.write(ch, data, 48 * K);
        }
        return back;
    }

    @Test
    void extentsOfACowDeviceAgreeWithUbdMap() throws IOException {
        Path back = sparseBacking();
        Path cow = dir.resolve("cow.img");
        List<Extent> device;
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 8 * K, DriverBehaviourTest.filled(4 * K, 1), 0).join());
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 20 * K, DriverBehaviourTest.filled(4 * K, 2), 0).join());
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE_ZEROES, 52 * K, null, 4 * K).join());
            device = extents(driver, d, 0, 64 * K);
            assertEquals(merged(device), merged(extents(driver, d, 0, 64 * K)), "asked twice, the same answer");
            List<Extent> part = extents(driver, d, 10 * K, 12 * K);
            assertEquals(10 * K, part.get(0).offset());
            assertEquals(12 * K, part.stream().mapToLong(Extent::length).sum(), "a part of the device: exactly that part");
        }
        int backingHole = ExtentSink.HOLE | ExtentSink.ZERO | ExtentSink.BACKING;
        assertEquals(List.of(new Extent(0, 8 * K, ExtentSink.BACKING), new Extent(8 * K, 4 * K, 0),
                new Extent(12 * K, 4 * K, ExtentSink.BACKING), new Extent(16 * K, 4 * K, backingHole),
                new Extent(20 * K, 4 * K, 0), new Extent(24 * K, 24 * K, backingHole),
                new Extent(48 * K, 4 * K, ExtentSink.BACKING), new Extent(52 * K, 4 * K, ExtentSink.HOLE | ExtentSink.ZERO),
                new Extent(56 * K, 8 * K, ExtentSink.BACKING)), merged(device));
        List<Extent> map = new ArrayList<>();
        try (CowFile f = CowFile.open(cow)) {
            for (CowInspector.Extent e : CowInspector.map(f)) {
                map.add(new Extent(e.start(), e.length(), (e.data() ? 0 : ExtentSink.HOLE | ExtentSink.ZERO)
                        | (e.source().equals("backing") ? ExtentSink.BACKING : 0)));
            }
        }
        assertEquals(merged(map), merged(device), "the device's extents are ubd map's");
    }

    @Test
    void eachLayerSaysWhatItCanDo() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 64);
        Path raw = Files.write(dir.resolve("raw.img"), new byte[32 * K]);
        DriverConfig cached = new DriverConfig(64, 1, new BlockingWaitStrategy()).withCache(CacheConfig.of(CachePolicy.LRU, 1 << 20));
        try (UbdDriver driver = new UbdDriver(cached)) {
            BlockDevice cow = driver.attach("ubd0=" + dir.resolve("a.cow") + "," + back, KernelLog.DISCARD).device();
            BlockDevice img = driver.attach("ubd1=" + raw, KernelLog.DISCARD).device();
            BlockDevice sync = driver.attach("ubd2s=" + dir.resolve("s.cow") + "," + back, KernelLog.DISCARD).device();
            BlockDevice ro = driver.attach("ubd3r=" + back, KernelLog.DISCARD).device();
            BlockDevice noTrim = driver.attach("ubd4t=" + dir.resolve("t.cow") + "," + back, KernelLog.DISCARD).device();
            for (BlockDevice d : List.of(cow, img)) {
                assertTrue(d.canTrim() && d.canZero() && d.fastZero() && !d.readOnly());
                assertEquals(Durability.ON_FLUSH, d.durability());
            }
            assertEquals(Durability.ON_WRITE, sync.durability(), "'s' opens O_SYNC: every write is durable on return");
            assertTrue(ro.readOnly() && !ro.canTrim() && !ro.canZero() && !ro.fastZero());
            assertEquals(Durability.NOTHING_WRITTEN, ro.durability());
            assertInstanceOf(NoTrimDevice.class, noTrim, "'t' is the NoTrimDevice layer, on a COW device too");
            assertTrue(!noTrim.canTrim() && !noTrim.canZero() && !noTrim.fastZero() && !noTrim.readOnly());
            assertThrows(NotSupportedException.class, () -> noTrim.discard(0, 512));
            BlockDevice faulty = new FaultInjectingDevice.Fault(FaultInjectingDevice.Mode.DROP_WRITES, 2).wrap(noTrim);
            assertFalse(faulty.canTrim(), "a layer that changes nothing about trim passes the answer on");
            assertEquals(Durability.ON_FLUSH, faulty.durability());
        }
    }

    /** A file system with neither ZERO_RANGE nor PUNCH_HOLE. */
    static final class NoFallocateIo extends ForwardingHostIo {
        final AtomicInteger writes = new AtomicInteger();

        NoFallocateIo(HostIo inner) {
            super(inner);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            writes.incrementAndGet();
            return inner.write(src, position);
        }

        @Override
        public void punchHole(long offset, long length) throws IOException {
            throw new NotSupportedException("no PUNCH_HOLE here");
        }

        @Override
        public void zeroRange(long offset, long length) throws IOException {
            throw new NotSupportedException("no ZERO_RANGE here");
        }
    }

    @Test
    void aFastOnlyZeroFailsAtOnceWhereZerosWouldBeWritten() throws IOException {
        byte[] ones = new byte[16 * K];
        java.util.Arrays.fill(ones, (byte) 1);
        Path raw = Files.write(dir.resolve("raw.img"), ones);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            NoFallocateIo io = new NoFallocateIo(new ChannelIo(ch));
            FileDevice d = new FileDevice(io, 0, 16 * K, false);
            assertThrows(NotSupportedException.class, () -> d.writeZeroes(4 * K, 8 * K, true));
            assertEquals(0, io.writes.get(), "fast-only: nothing written");
            assertArrayEquals(ones, Files.readAllBytes(raw));
            d.writeZeroes(4 * K, 8 * K, false);
            assertTrue(io.writes.get() > 0, "without fallocate, zeros are written");
            byte[] expected = ones.clone();
            java.util.Arrays.fill(expected, 4 * K, 12 * K, (byte) 0);
            assertArrayEquals(expected, Files.readAllBytes(raw));
        }
    }

    @Test
    void fuaFlushesBeforeTheCompletionUnlessWritesAreSynchronous() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 64);
        AtomicInteger flushes = new AtomicInteger();
        try (UbdDriver driver = new UbdDriver()) {
            for (String flags : List.of("", "s")) {
                flushes.set(0);
                ParseOutcome.Configured c = (ParseOutcome.Configured) new UbdOptionParser()
                        .parse("ubd0" + flags + "=" + dir.resolve("f" + flags + ".cow") + "," + back);
                Disk d = driver.attach(c.device(), new DeviceOpener(HostFileTable.PROCESS, KernelLog.DISCARD),
                        inner -> new DetachTest.CountingFlushes(inner, flushes));
                AtomicInteger seenAtCompletion = new AtomicInteger(-1);
                java.util.concurrent.CompletableFuture<IoStatus> plain = new java.util.concurrent.CompletableFuture<>();
                driver.submit(d, IoOp.WRITE, 0, 0, DriverBehaviourTest.filled(512, 3), 0, (t, s) -> plain.complete(s), 0);
                assertEquals(IoStatus.OK, plain.join());
                assertEquals(0, flushes.get(), "a plain write flushes nothing");
                java.util.concurrent.CompletableFuture<IoStatus> fua = new java.util.concurrent.CompletableFuture<>();
                driver.submit(d, IoOp.WRITE, IoOp.FUA, 512, DriverBehaviourTest.filled(512, 4), 0, (t, s) -> {
                    seenAtCompletion.set(flushes.get());
                    fua.complete(s);
                }, 0);
                assertEquals(IoStatus.OK, fua.join());
                assertEquals(flags.isEmpty() ? 1 : 0, seenAtCompletion.get(),
                        flags.isEmpty() ? "FUA: flushed before the completion" : "'s': the O_SYNC write is already durable");
                java.util.concurrent.CompletableFuture<IoStatus> zero = new java.util.concurrent.CompletableFuture<>();
                driver.submit(d, IoOp.WRITE_ZEROES, IoOp.FUA | IoOp.FAST_ZERO, 1024, null, 512, (t, s) -> zero.complete(s), 0);
                assertEquals(IoStatus.OK, zero.join());
                assertEquals(flags.isEmpty() ? 2 : 0, flushes.get());
                driver.detach(d);
            }
        }
    }

    @Test
    void prefetchFillsTheSharedBackingCache() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 256);
        DriverConfig cached = new DriverConfig(64, 1, new BlockingWaitStrategy()).withCache(CacheConfig.of(CachePolicy.LRU, 1 << 20));
        try (UbdDriver driver = new UbdDriver(cached)) {
            Disk d = driver.attach("ubd0=" + dir.resolve("p.cow") + "," + back, KernelLog.DISCARD);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 0, DriverBehaviourTest.filled(4 * K, 9), 0).join());
            assertEquals(0, driver.caches().report().get(0).residentPages());
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.PREFETCH, 0, null, 64 * K).join());
            assertEquals(15, driver.caches().report().get(0).residentPages(), "the 15 pages that come from the backing file");
            long misses = driver.caches().total().misses();
            ByteBuffer buf = ByteBuffer.allocateDirect(60 * K);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.READ, 4 * K, buf, 0).join());
            assertEquals(misses, driver.caches().total().misses(), "the read after the prefetch hits only");
            assertEquals(0x40 + 8, buf.get(0), "and reads the backing file's bytes");
        }
        try (UbdDriver plain = new UbdDriver()) {
            Disk d = plain.attach("ubd0=" + dir.resolve("q.cow") + "," + back, KernelLog.DISCARD);
            assertEquals(IoStatus.OK, plain.submit(d, IoOp.PREFETCH, 0, null, 64 * K).join(), "no cache: a cheap success");
        }
    }
}
