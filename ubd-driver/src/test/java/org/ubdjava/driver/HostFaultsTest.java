package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.device.ForwardingHostIo;
import org.ubdjava.driver.device.HostIo;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * Host faults under the COW layer: EIO from the backing file, ENOSPC, short writes and writes that
 * make no progress on the COW file. Each request gets the kernel's status, the disk keeps serving,
 * another disk is untouched, and the in-memory bitmap stays what the file says.
 */
class HostFaultsTest {
    static final int SECTORS = 256;

    @TempDir
    Path dir;

    /** Host I/O with switchable faults. */
    static final class FaultyIo extends ForwardingHostIo {
        volatile long failReadsFrom = Long.MAX_VALUE;
        volatile long failReadsTo = Long.MAX_VALUE;
        volatile String writeFailure;
        volatile int maxWrite = Integer.MAX_VALUE;
        volatile boolean stall;

        FaultyIo(HostIo inner) {
            super(inner);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            if (position < failReadsTo && position + dst.remaining() > failReadsFrom) {
                throw new IOException("Input/output error");
            }
            return inner.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (writeFailure != null) {
                throw new IOException(writeFailure);
            }
            if (stall) {
                return 0;
            }
            if (src.remaining() <= maxWrite) {
                return inner.write(src, position);
            }
            ByteBuffer part = src.duplicate().limit(src.position() + maxWrite);
            int n = inner.write(part, position);
            src.position(src.position() + n);
            return n;
        }
    }

    static ByteBuffer filled(int len, int value) {
        return DriverBehaviourTest.filled(len, value);
    }

    @Test
    void faultsGetTheKernelsStatusAndNothingElseSuffers() throws IOException {
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), SECTORS * 512L, new java.util.Random(3));
        byte[] backing = Files.readAllBytes(back);
        Path cowPath = dir.resolve("cow.img");
        FreshCow fresh = FreshCow.create(cowPath, back);
        CowBitmap bitmap = fresh.bitmap();
        try (FileChannel cowChannel = FileChannel.open(cowPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel backChannel = FileChannel.open(back);
             UbdDriver driver = new UbdDriver()) {
            FaultyIo cowIo = new FaultyIo(new ChannelIo(cowChannel));
            FaultyIo backIo = new FaultyIo(new ChannelIo(backChannel));
            BlockDevice stack = fresh.device(cowIo, backIo);
            // a disk whose stack is ours, so the faults sit under the real COW layer, and a healthy neighbour
            Path other = Files.write(dir.resolve("other.img"), new byte[SECTORS * 512]);
            Disk faulty = driver.attach(org.ubdjava.core.options.UbdDeviceConfig.of(0, other.toString(), null, null,
                    org.ubdjava.core.options.UbdFlags.NONE), new org.ubdjava.core.device.DeviceOpener(KernelLog.DISCARD), built -> stack);
            Path neighbourPath = dir.resolve("neighbour.cow");
            Disk neighbour = driver.attach("ubd1=" + neighbourPath + "," + back, KernelLog.DISCARD);

            // EIO from the backing file: IOERR for what touches it, the rest of the disk still reads
            backIo.failReadsFrom = 100 * 512;
            backIo.failReadsTo = 104 * 512;
            assertEquals(IoStatus.IOERR, driver.submit(faulty, IoOp.READ, 96 * 512, ByteBuffer.allocate(8 * 512), 0).join());
            assertArrayEquals(Arrays.copyOfRange(backing, 0, 4096), DeviceModelTest.read(driver, faulty, 0, 4096));
            assertArrayEquals(Arrays.copyOfRange(backing, 96 * 512, 104 * 512), DeviceModelTest.read(driver, neighbour, 96 * 512, 4096));
            // a write over the bad range goes to the COW file: afterwards those sectors no longer need the backing file
            assertEquals(IoStatus.OK, driver.submit(faulty, IoOp.WRITE, 96 * 512, filled(8 * 512, 0x61), 0).join());
            assertEquals(IoStatus.OK, driver.submit(faulty, IoOp.READ, 96 * 512, ByteBuffer.allocate(8 * 512), 0).join());

            // ENOSPC on the COW file: NOSPC, no bit set
            long bits = bitmap.cardinality();
            cowIo.writeFailure = "No space left on device";
            assertEquals(IoStatus.NOSPC, driver.submit(faulty, IoOp.WRITE, 10 * 512, filled(4096, 0x62), 0).join());
            assertEquals(bits, bitmap.cardinality());
            cowIo.writeFailure = null;

            // short writes: the loop finishes them, the data is whole
            cowIo.maxWrite = 700;
            assertEquals(IoStatus.OK, driver.submit(faulty, IoOp.WRITE, 20 * 512, filled(8192, 0x63), 0).join());
            byte[] want = new byte[8192];
            Arrays.fill(want, (byte) 0x63);
            assertArrayEquals(want, DeviceModelTest.read(driver, faulty, 20 * 512, 8192));
            cowIo.maxWrite = Integer.MAX_VALUE;

            // a write that makes no progress: an error, not a hang, and no bit set
            bits = bitmap.cardinality();
            cowIo.stall = true;
            assertEquals(IoStatus.IOERR, driver.submit(faulty, IoOp.WRITE, 40 * 512, filled(4096, 0x64), 0).join());
            assertEquals(bits, bitmap.cardinality());
            cowIo.stall = false;

            assertEquals(IoStatus.OK, driver.submit(neighbour, IoOp.WRITE, 0, filled(4096, 0x65), 0).join());
            assertEquals(IoStatus.OK, driver.submit(faulty, IoOp.FLUSH, 0, null, 0).join());
        }
        try (CowFile f = CowFile.open(cowPath)) {
            assertEquals(bitmap.cardinality(), f.bitmap().cardinality(), "the file's bitmap equals memory");
            assertEquals(8 + 16, f.bitmap().cardinality());
        }
    }
}
