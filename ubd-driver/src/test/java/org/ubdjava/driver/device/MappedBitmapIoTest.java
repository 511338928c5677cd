package org.ubdjava.driver.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.nativeio.NativeFiles;
import org.ubdjava.realtools.Processes;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/** The COW bitmap written through a mapping: the same bytes in the file as a pwrite gives, and never a store it cannot make. */
class MappedBitmapIoTest {
    @TempDir
    Path dir;

    @Test
    void aWriteThroughTheDriverSetsTheBitmapBytesInTheFileAndFlushIsAllItNeeds() throws IOException {
        Path back = dir.resolve("back.img");
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), (256L << 20) - 1); // 256 MiB, sparse: a 64 KiB bitmap
        }
        Path cow = dir.resolve("cow.img");
        CowGeometry g;
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            g = d.files().geometry();
            assertTrue(d.device() instanceof CowDevice);
            // attaching allocates nothing: a disk only read changes nothing on disk
            try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ)) {
                long used = NativeFiles.allocatedBytes(ch);
                assertTrue(used <= 4 * 4096, "allocated " + used + " before any write");
            }
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x5A);
            // sectors 8..15 and 3000..3007: bitmap bytes 1 and 375
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 8 * 512, ByteBuffer.wrap(data), 0).join());
            // the whole bitmap is allocated before its first store, so no store into it can need a
            // block (SEEK_DATA would not say: ext4 reports allocated, never written blocks as a hole)
            try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ)) {
                long used = NativeFiles.allocatedBytes(ch);
                assertTrue(used >= g.bitmapBytes() && used <= g.bitmapBytes() + 6 * 4096, "allocated " + used);
            }
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 3000 * 512L, ByteBuffer.wrap(data), 0).join());
            // what another process reads now (the page cache), before any flush
            byte[] bitmap = read(cow, g.bitmapOffset(), (int) g.bitmapBytes());
            byte[] expected = new byte[(int) g.bitmapBytes()];
            expected[1] = (byte) 0xFF;
            expected[375] = (byte) 0xFF;
            assertArrayEquals(expected, bitmap);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.FLUSH, 0, null, 0).join());
        }
        // and what the file holds once closed: reopened from scratch, the device reads the writes back
        try (CowFile f = CowFile.open(cow)) {
            assertTrue(f.bitmap().get(8) && f.bitmap().get(15) && f.bitmap().get(3000) && f.bitmap().get(3007));
            assertTrue(!f.bitmap().get(7) && !f.bitmap().get(16) && !f.bitmap().get(2999) && !f.bitmap().get(3008));
        }
    }

    @Test
    void attachingReadingAndDetachingLeaveTheCowFileAsItWas() throws IOException {
        Path back = dir.resolve("back.img");
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), (64L << 20) - 1); // a 16 KiB bitmap
        }
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        // an old mtime: a change within the clock's tick would otherwise go unseen
        Files.setLastModifiedTime(cow, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
        java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(cow);
        long size = Files.size(cow);
        long blocks = allocated(cow);
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            assertTrue(d.device() instanceof CowDevice && !d.files().readOnly());
            ByteBuffer sector = ByteBuffer.allocate(512);
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.READ, 4096, sector, 0).join());
        }
        assertEquals(mtime, Files.getLastModifiedTime(cow));
        assertEquals(size, Files.size(cow));
        assertEquals(blocks, allocated(cow));
    }

    private static long allocated(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return NativeFiles.allocatedBytes(ch);
        }
    }

    @Test
    void aFileShorterThanItsBitmapIsNotMappedNorGrown() throws IOException {
        Path f = dir.resolve("short.img");
        Files.write(f, new byte[1024]);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            HostIo io = new ChannelIo(ch);
            assertSame(io, MappedBitmapIo.over(ch, io, 512, 4096));
            assertEquals(1024, ch.size());
        }
    }

    @Test
    void afterCloseABitmapWriteFailsInsteadOfTouchingUnmappedMemory() throws IOException {
        Path back = CowFixtures.referenceBacking(dir, 64);
        Path cow = dir.resolve("c.img");
        CowCreator.create(cow, back.toString(), false);
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long offset = 1024;
            HostIo io = MappedBitmapIo.over(ch, new ChannelIo(ch), offset, 8);
            assertTrue(io instanceof MappedBitmapIo);
            io.write(ByteBuffer.wrap(new byte[] {(byte) 0x81}), offset + 3);
            assertEquals((byte) 0x81, read(cow, offset + 3, 1)[0]);
            io.close();
            IOException e = assertThrows(IOException.class, () -> io.write(ByteBuffer.wrap(new byte[] {1}), offset));
            assertEquals("COW file closed", e.getMessage());
            // outside the bitmap, writes still go to the file
            assertEquals(1, io.write(ByteBuffer.wrap(new byte[] {7}), 4096));
            assertEquals(7, read(cow, 4096, 1)[0]);
        }
    }

    @Test
    void aStoreIntoTheBitmapReadsInNoneOfTheDataAreaAfterIt() throws IOException {
        Optional<Path> fincore = Processes.onPath("fincore");
        Assumptions.assumeTrue(fincore.isPresent(), "*** skipped: fincore (util-linux) not installed");
        Path back = dir.resolve("back.img");
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), (256L << 20) - 1); // a 64 KiB bitmap
        }
        Path cow = dir.resolve("cow.img");
        // fallocated, as --preallocate falloc makes it: its unwritten blocks read as zeros, so a
        // fault's read-around fills the page cache without touching the disk
        CowCreator.create(cow, back.toString(), false, Preallocation.FALLOC);
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + cow + "," + back, KernelLog.DISCARD);
            CowGeometry g = d.files().geometry();
            assertEquals(IoStatus.OK, driver.submit(d, IoOp.WRITE, 8 * 512, ByteBuffer.wrap(new byte[4096]), 0).join());
            Processes.Result r = Processes.run(dir, List.of(fincore.get().toString(), "--bytes", "--noheadings", "--output", "RES",
                    cow.toString()), 30);
            assertEquals(0, r.exit(), r.err());
            long resident = Long.parseLong(r.out().strip());
            // the header and bitmap pages and the one data page written; a read-around would add at
            // least 128 KiB of zeros (8 MiB here: the disk's read_ahead_kb)
            long expected = g.dataOffset() + 4096 + 4096;
            assertTrue(resident <= expected, "the COW file has " + resident + " bytes in the page cache, at most " + expected + " expected");
        }
    }

    private static byte[] read(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // until full
            }
            return b.array();
        }
    }
}
