package org.ubdjava.driver.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.nativeio.MappingBudget;

/** Reads copied out of a mapping of the data area: what pread would give, also after the file grew, and never after close. */
class MappedReadsDeviceTest {
    static final long BASE = 4096;
    static final long SIZE = 1 << 20;

    @TempDir
    Path dir;

    /**
     * A process out of mappings (vm.max_map_count, 65,530 by default, two or three a disk) still
     * reads every disk right: by pread, the mapping tried once and not again on every read.
     */
    @Test
    void readsByPreadWhereNoMappingCanBeMade() throws IOException {
        Path f = dir.resolve("cow-data.img");
        try (FileChannel real = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
             UnmappableChannel ch = new UnmappableChannel(real)) {
            MappedReadsDevice d = new MappedReadsDevice(new FileDevice(new ChannelIo(real), BASE, SIZE, false), ch, BASE);
            byte[] a = filled(4096, 0x44);
            d.write(8192, ByteBuffer.wrap(a));
            assertArrayEquals(a, read(d, 8192, 4096));
            assertArrayEquals(a, read(d, 8192, 4096));
            assertArrayEquals(filled(4096, 0), read(d, 0, 4096));
            assertEquals(1, ch.mapCalls, "a failed mapping is not retried on every read");
        }
    }

    /** Past the process's budget of mappings a disk reads by pread; the mappings a disk took come back when it closes. */
    @Test
    void aDiskPastTheBudgetOfMappingsReadsByPread() throws IOException {
        MappingBudget budget = new MappingBudget(1);
        Path f1 = dir.resolve("a.img");
        Path f2 = dir.resolve("b.img");
        try (FileChannel c1 = FileChannel.open(f1, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel c2 = FileChannel.open(f2, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedReadsDevice a = new MappedReadsDevice(new FileDevice(new ChannelIo(c1), BASE, SIZE, false), c1, BASE, budget);
            MappedReadsDevice b = new MappedReadsDevice(new FileDevice(new ChannelIo(c2), BASE, SIZE, false), c2, BASE, budget);
            a.write(0, ByteBuffer.wrap(filled(4096, 0x55)));
            b.write(0, ByteBuffer.wrap(filled(4096, 0x66)));
            assertArrayEquals(filled(4096, 0x55), read(a, 0, 4096));
            assertEquals(1, budget.taken());
            assertArrayEquals(filled(4096, 0x66), read(b, 0, 4096));
            assertEquals(1, budget.taken(), "the second disk made no mapping");
            a.close();
            assertEquals(0, budget.taken(), "closing gives the mapping back");
        }
    }

    @Test
    void readsWhatWasWrittenAlsoPastWhereTheFileEndedWhenFirstMapped() throws IOException {
        Path f = dir.resolve("cow-data.img");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[(int) BASE + 8192]), 0); // shorter than BASE + SIZE
            MappedReadsDevice d = new MappedReadsDevice(new FileDevice(new ChannelIo(ch), BASE, SIZE, false), ch, BASE);
            byte[] a = filled(4096, 0x11);
            d.write(0, ByteBuffer.wrap(a));
            assertArrayEquals(a, read(d, 0, 4096));           // maps [BASE, BASE + 8192)
            byte[] b = filled(4096, 0x22);
            d.write(SIZE - 4096, ByteBuffer.wrap(b));          // grows the file to its full length
            assertArrayEquals(b, read(d, SIZE - 4096, 4096));  // past the first mapping: mapped again
            assertArrayEquals(a, read(d, 0, 4096));
            byte[] c = filled(4096, 0x33);
            d.write(0, ByteBuffer.wrap(c));                    // an overwrite is seen at once (one page cache)
            assertArrayEquals(c, read(d, 0, 4096));
            d.close();
            IOException e = assertThrows(IOException.class, () -> read(d, 0, 4096));
            assertEquals("COW file closed", e.getMessage());
        }
    }

    @Test
    void aReadIntoTheMiddleOfABufferFillsOnlyItsRemainingAndKeepsItsPosition() throws IOException {
        Path f = dir.resolve("d.img");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), BASE + SIZE - 1);
            MappedReadsDevice d = new MappedReadsDevice(new FileDevice(new ChannelIo(ch), BASE, SIZE, false), ch, BASE);
            d.write(512, ByteBuffer.wrap(filled(512, 0x44)));
            ByteBuffer dst = ByteBuffer.allocateDirect(2048);
            dst.position(512).limit(1024);
            d.read(512, dst);
            assertEquals(512, dst.position());
            assertEquals(1024, dst.limit());
            byte[] all = new byte[2048];
            dst.clear().get(all);
            byte[] expected = new byte[2048];
            Arrays.fill(expected, 512, 1024, (byte) 0x44);
            assertArrayEquals(expected, all);
            d.close();
        }
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private static byte[] read(BlockDevice d, long offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        d.read(offset, b);
        byte[] out = new byte[n];
        b.get(0, out);
        return out;
    }
}
