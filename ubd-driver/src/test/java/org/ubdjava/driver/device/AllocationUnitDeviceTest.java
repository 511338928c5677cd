package org.ubdjava.driver.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.DriverConfig;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/** COW files that grow by whole units while open and give back what they did not use at close. */
class AllocationUnitDeviceTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path backing(long size) throws IOException {
        Path back = dir.resolve("back.img");
        byte[] b = new byte[(int) size];
        new Random(7).nextBytes(b);
        Files.write(back, b);
        return back;
    }

    private static long allocated(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return NativeFiles.allocatedBytes(ch);
        }
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    @Test
    void aFirstWriteReservesItsWholeUnitTheReadsStayTheSameAndCloseGivesTheRestBack() throws IOException {
        Path back = backing(8L * MIB);
        Path cow = dir.resolve("cow.img");
        CowGeometry g;
        try (UbdDriver driver = new UbdDriver(DriverConfig.defaults().withAllocationUnit(MIB))) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            g = d.files().geometry();
            long before = allocated(cow);
            // 4 KiB at 3 MiB + 64 KiB: one unit of the file, reserved whole
            long at = 3L * MIB + 64 * 1024;
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, at, ByteBuffer.wrap(pattern(4096, 0x5A)), 0).join());
            long grown = allocated(cow) - before;
            assertTrue(grown >= MIB - 4096 && grown <= 2L * MIB, "grew by " + grown);
            // the sectors around the write still come from the backing file, the write from the COW file
            ByteBuffer r = ByteBuffer.allocate(3 * 4096);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.READ, at - 4096, r, 0).join());
            byte[] expected = Arrays.copyOfRange(Files.readAllBytes(back), (int) (at - 4096), (int) (at + 8192));
            System.arraycopy(pattern(4096, 0x5A), 0, expected, 4096, 4096);
            assertArrayEquals(expected, r.array());
        }
        // closed: the unit's unused blocks are holes again, the written block and its bit are kept
        long data = allocated(cow) - g.dataOffset();
        assertTrue(data <= 3 * 4096, "after close the data area holds " + data + " bytes");
        try (CowFile f = CowFile.open(cow); FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ)) {
            long first = (3L * MIB + 64 * 1024) / 512;
            assertTrue(f.bitmap().get(first) && f.bitmap().get(first + 7) && !f.bitmap().get(first - 1) && !f.bitmap().get(first + 8));
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, g.dataOffsetOf(first));
            assertArrayEquals(pattern(4096, 0x5A), b.array());
        }
    }

    @Test
    void withoutAUnitTheFileGrowsByTheBlocksWrittenOnly() throws IOException {
        Path back = backing(8L * MIB);
        Path cow = dir.resolve("cow.img");
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            long before = allocated(cow);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 3L * MIB, ByteBuffer.wrap(pattern(4096, 1)), 0).join());
            long grown = allocated(cow) - before;
            assertTrue(grown <= 2 * 4096, "grew by " + grown);
        }
    }

    /** In memory a fallocate takes and zeroes pages (320 us a MiB on tmpfs, 7 us on ext4) and spares no extent tree: no units there. */
    @Test
    void aCowFileInTmpfsGrowsBlockByBlockWhateverTheUnit() throws IOException {
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm) && Files.getFileStore(shm).type().equals("tmpfs"),
                "*** no writable tmpfs at /dev/shm: skipped");
        Path work = Files.createTempDirectory(shm, "ubd-unit-");
        try {
            Path back = work.resolve("back.img");
            Files.write(back, new byte[4 * MIB]);
            Path cow = work.resolve("cow.img");
            try (UbdDriver driver = new UbdDriver(DriverConfig.defaults().withAllocationUnit(MIB))) {
                Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
                long before = allocated(cow);
                assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, MIB, ByteBuffer.wrap(pattern(4096, 1)), 0).join());
                long grown = allocated(cow) - before;
                assertTrue(grown <= 2 * 4096, "grew by " + grown);
            }
        } finally {
            org.ubdjava.core.io.Cleanup.deleteTree(work);
        }
    }

    /** The layer alone over a file: which units it reserves, and that a wholly discarded unit is reserved anew. */
    @Test
    void eachUnitIsReservedOnceAndAWhollyDiscardedUnitAgain() throws IOException {
        Path f = dir.resolve("data.img");
        long base = 4096;
        long size = 4L * 64 * 1024;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), base + size - 1);
            CowBitmap bitmap = new CowBitmap(size / 512, size / 512 / 8);
            AllocationUnitDevice d = new AllocationUnitDevice(new FileDevice(new ChannelIo(ch), base, size, false), ch, base,
                    64 * 1024, bitmap);
            // units are aligned in the file: data offset 60 KiB is file offset 64 KiB, unit 1
            d.write(0, ByteBuffer.wrap(pattern(4096, 2)));
            d.write(8192, ByteBuffer.wrap(pattern(4096, 3)));
            assertEquals(1, d.reservedUnits());
            // 8 KiB across file offsets 60-68 KiB: units 0 (already) and 1
            d.write(56 * 1024, ByteBuffer.wrap(pattern(8192, 4)));
            assertEquals(2, d.reservedUnits());
            // unit 1 wholly discarded, then written: reserved again
            d.discard(60 * 1024, 64 * 1024);
            d.write(100 * 1024, ByteBuffer.wrap(pattern(4096, 5)));
            assertEquals(3, d.reservedUnits());
            ByteBuffer r = ByteBuffer.allocate(4096);
            d.read(8192, r);
            assertArrayEquals(pattern(4096, 3), r.array());
        }
    }

    @Test
    void aUnitThatIsNotAPowerOfTwoOfAtLeastABlockIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DriverConfig.defaults().withAllocationUnit(3 * 4096));
        assertEquals("allocation unit must be 0 or a power of two of at least 4096 bytes, not 12288", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DriverConfig.defaults().withAllocationUnit(2048));
        assertEquals(0, DriverConfig.defaults().allocationUnit());
    }
}
