package org.ubdjava.core.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedImageTest {
    @TempDir
    Path tmp;

    /** /dev/shm when there is one: tmpfs is where reading a hole through a shared mapping would allocate it. */
    private Path dir() throws Exception {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "ubd-backing-image-") : tmp;
    }

    /** A size that is not whole sectors: the device reads zeros past the end. */
    private static final long SIZE = MappedImage.CHUNK + (64 << 10) + 100;

    private static byte[] random(long seed) {
        byte[] data = new byte[16 << 10];
        new SplittableRandom(seed).nextBytes(data);
        return data;
    }

    /** {@code data} at [1 GiB - 8 KiB, 1 GiB + 8 KiB), across the mapping's chunk boundary; holes around it. */
    private static FileChannel sparse(Path f, byte[] data) throws Exception {
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ch.write(ByteBuffer.wrap(data), MappedImage.CHUNK - (8 << 10));
        ch.truncate(SIZE);
        return ch;
    }

    @Test
    void comparesDataInPlaceHolesAsZerosAndReadsNoHole() throws Exception {
        Path d = dir();
        Path f = d.resolve("backing.img");
        byte[] data = random(1);
        long boundary = MappedImage.CHUNK;
        long size = SIZE;
        try (FileChannel ch = sparse(f, data)) {
            long allocated = NativeFiles.allocatedBytes(ch);
            MappedImage image = MappedImage.of(ch);
            MappedImage.Reader r = image.reader();

            ByteBuffer buf = ByteBuffer.allocateDirect(64 << 10);
            // the data, across the chunk boundary, plus 4 KiB of hole after it
            buf.clear().limit(20 << 10);
            buf.put(data).put(new byte[4 << 10]).flip();
            assertTrue(r.matches(buf, 0, boundary - (8 << 10), 20 << 10));
            assertEquals(16 << 10, r.bytesRead(), "only the data extent is read; the hole compares as zeros");
            assertEquals(0, buf.position(), "the caller's position is left alone");

            buf.put(5000, (byte) (buf.get(5000) ^ 1));
            assertFalse(r.matches(buf, 0, boundary - (8 << 10), 20 << 10), "a changed byte in the data");
            buf.put(5000, (byte) (buf.get(5000) ^ 1));
            buf.put((18 << 10) + 7, (byte) 1);
            assertFalse(r.matches(buf, 0, boundary - (8 << 10), 20 << 10), "a non-zero byte where the backing has a hole");

            // a whole hole, far from the data, and the partial sector past the end of the file
            ByteBuffer zeros = ByteBuffer.allocateDirect(4096);
            assertTrue(r.matches(zeros, 0, 12 << 20, 4096));
            assertTrue(r.matches(zeros, 0, size / 512 * 512, 512));
            assertEquals(allocated, NativeFiles.allocatedBytes(ch), "checking holes allocated nothing");
        } finally {
            Files.deleteIfExists(f);
            if (!d.equals(tmp)) {
                Files.deleteIfExists(d);
            }
        }
    }

    @Test
    void readersOfOneImageAreIndependent() throws Exception {
        Path f = tmp.resolve("b.img");
        byte[] data = new byte[1 << 20];
        new SplittableRandom(2).nextBytes(data);
        Files.write(f, data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MappedImage image = MappedImage.of(ch);
            MappedImage.Reader a = image.reader();
            MappedImage.Reader b = image.reader();
            ByteBuffer buf = ByteBuffer.allocateDirect(4096).put(data, 8192, 4096).flip();
            assertTrue(a.matches(buf, 0, 8192, 4096));
            assertFalse(b.matches(buf, 0, 4096, 4096), "another offset's bytes");
            assertEquals(4096, a.bytesRead());
            assertEquals(1, image.extents());
        }
    }

    @Test
    void copiesDataHolesAndThePastTheEndAsTheFileReadsAndSharesOneMapping() throws Exception {
        Path d = dir();
        Path f = d.resolve("copy.img");
        byte[] data = random(3);
        long boundary = MappedImage.CHUNK;
        long size = SIZE;
        try (FileChannel ch = sparse(f, data)) {
            long allocated = NativeFiles.allocatedBytes(ch);
            MappedImage image = MappedImage.shared("copy-test", ch);
            assertSame(image, MappedImage.shared("copy-test", ch), "one mapping per file");
            // data across the chunk boundary, then a hole; into the middle of a dirty buffer
            ByteBuffer dst = ByteBuffer.allocateDirect(32 << 10);
            while (dst.hasRemaining()) {
                dst.put((byte) 0x5A);
            }
            dst.position(100);
            image.copy(boundary - (8 << 10), dst, 1000, 20 << 10, ch);
            assertEquals(100, dst.position(), "position left alone");
            byte[] got = new byte[20 << 10];
            dst.get(1000, got);
            byte[] want = new byte[20 << 10];
            System.arraycopy(data, 0, want, 0, data.length);
            assertArrayEquals(want, got);
            assertEquals((byte) 0x5A, dst.get(999), "nothing written before");
            assertEquals((byte) 0x5A, dst.get(1000 + (20 << 10)), "nothing written after");
            // the partial sector at the end of the file reads as zeros past it, as the device reads it
            image.copy(size / 512 * 512, dst, 0, 512, ch);
            for (int i = 0; i < 512; i++) {
                assertEquals(0, dst.get(i));
            }
            assertEquals(allocated, NativeFiles.allocatedBytes(ch), "copying holes allocated nothing");
            MappedImage.release("copy-test");
            MappedImage.release("copy-test");
            assertNotSame(image, MappedImage.shared("copy-test", ch), "the last release dropped it");
            MappedImage.release("copy-test");
        } finally {
            Files.deleteIfExists(f);
            if (!d.equals(tmp)) {
                Files.deleteIfExists(d);
            }
        }
    }
}
