package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import picocli.CommandLine;

/**
 * A host file system that fills up, for real: a 1 MiB tmpfs holds the COW file, its backing file
 * lies outside. Writes go through the driver until one fails: it must fail with NOSPC and leave
 * the disk usable, its bitmap true to the file, and every completed write readable. The format
 * tools must fail cleanly on a full file system too.
 */
class FullDiskTest {
    static final int CHUNK = 64 * 1024;
    /** 4 MiB of device: four times what the file system can hold. */
    static final int BACKING_SECTORS = 8192;

    @TempDir
    Path dir;
    Path mnt;
    Path back;
    boolean mounted;

    @BeforeEach
    void mountSmallTmpfs() throws IOException {
        mnt = Files.createDirectory(dir.resolve("small"));
        Exec.Result r = Exec.run(dir, List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()));
        if (r.exit() != 0) {
            System.err.println("*** TEST SKIPPED FullDiskTest: cannot mount a tmpfs here (" + r.err().strip() + ")");
            Assumptions.abort("cannot mount a tmpfs: " + r.err().strip());
        }
        mounted = true;
        back = CowFixtures.randomBacking(dir.resolve("back.img"), BACKING_SECTORS * 512L, new Random(7));
    }

    @AfterEach
    void unmount() {
        if (mounted) {
            Exec.run(dir, List.of("umount", mnt.toString()));
        }
    }

    /** Sector s's content in this test: its number, then a byte pattern no other sector has at that offset. */
    static byte[] chunk(long firstSector, int bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        for (int i = 0; i < bytes / 512; i++) {
            long s = firstSector + i;
            b.putLong(i * 512, s ^ 0x5A5A5A5AL);
            for (int j = 8; j < 512; j++) {
                b.put(i * 512 + j, (byte) (s * 31 + j));
            }
        }
        return b.array();
    }

    static IoStatus write(UbdDriver driver, Disk disk, long offset, byte[] data) {
        return driver.submit(disk, IoOp.WRITE, offset, ByteBuffer.wrap(data), 0).join();
    }

    static byte[] read(UbdDriver driver, Disk disk, long offset, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, offset, b, 0).join(), "read at " + offset);
        return b.array();
    }

    @Test
    void aFullFileSystemFailsTheWriteWithNospcAndTheDiskStaysSound() throws IOException {
        Path cow = mnt.resolve("vm.cow");
        CowCreator.create(cow, back.toString(), false);
        Path raw = Files.write(dir.resolve("other.img"), new byte[CHUNK]);
        List<Long> written = new ArrayList<>();
        IoStatus failure = null;
        long[] memoryWords;
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + cow, KernelLog.DISCARD);
            Disk other = driver.attach("ubd1=" + raw, KernelLog.DISCARD);
            for (long off = 0; off < disk.size(); off += CHUNK) {
                IoStatus s = write(driver, disk, off, chunk(off / 512, CHUNK));
                if (s != IoStatus.OK) {
                    failure = s;
                    break;
                }
                written.add(off);
            }
            assertEquals(IoStatus.NOSPC, failure, "after " + written.size() + " chunks");
            assertTrue(written.size() > 4, "the file system took " + written.size() + " chunks: is it 1 MiB?");
            // a single sector in a page not yet allocated fails too; one in the last page, which mkcow
            // allocated with its final byte, still fits: a full file system fails only what needs space
            long farther = (written.size() + 2L) * CHUNK;
            assertEquals(IoStatus.NOSPC, write(driver, disk, farther, chunk(farther / 512, 512)));
            long last = disk.size() - 512;
            assertEquals(IoStatus.OK, write(driver, disk, last, chunk(last / 512, 512)));
            assertArrayEquals(chunk(last / 512, 512), read(driver, disk, last, 512));
            assertArrayEquals(backing(farther, 512), read(driver, disk, farther, 512), "a failed write changes nothing");

            for (long off : written) {
                assertArrayEquals(chunk(off / 512, CHUNK), read(driver, disk, off, CHUNK), "chunk at " + off);
            }
            long untouched = disk.size() - 2 * CHUNK;
            assertArrayEquals(backing(untouched, CHUNK), read(driver, disk, untouched, CHUNK), "sectors never written read the backing file");
            assertEquals(IoStatus.OK, write(driver, other, 0, chunk(0, CHUNK)), "another disk is still served");
            assertArrayEquals(chunk(0, CHUNK), read(driver, other, 0, CHUNK));
            assertEquals(IoStatus.OK, driver.submit(other, IoOp.FLUSH, 0, null, 0).join());

            CowBitmap inMemory = disk.files().bitmap();
            memoryWords = new long[inMemory.wordCount()];
            for (int w = 0; w < memoryWords.length; w++) {
                memoryWords[w] = inMemory.word(w);
            }
            assertTrue(inMemory.cardinality() >= written.size() * (CHUNK / 512L));
        }
        try (CowFile reopened = CowFile.open(cow)) {
            CowBitmap onDisk = reopened.bitmap();
            assertEquals(memoryWords.length, onDisk.wordCount());
            for (int w = 0; w < memoryWords.length; w++) {
                assertEquals(memoryWords[w], onDisk.word(w), "bitmap word " + w);
            }
        }
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0r=" + cow, KernelLog.DISCARD);
            for (long off : written) {
                assertArrayEquals(chunk(off / 512, CHUNK), read(driver, disk, off, CHUNK), "after reopen, chunk at " + off);
            }
        }
    }

    @Test
    void mkcowOnAFullFileSystemFailsInOneLineAndLeavesNothing() throws IOException {
        fill();
        List<String> before = listing();
        Run r = run(new MkcowCommand(), mnt.resolve("new.cow").toString(), back.toString());
        assertEquals(1, r.exit());
        assertEquals("mkcow: " + mnt.resolve("new.cow") + ": cannot create: No space left on device" + System.lineSeparator(), r.err());
        assertEquals(before, listing());
    }

    @Test
    void mooOntoAFullFileSystemFailsAndLeavesTheOldOutputAlone() throws IOException {
        Path cow = dir.resolve("vm.cow");
        CowCreator.create(cow, back.toString(), false);
        CowFixtures.writeSectors(cow, 10, chunk(10, 4096));
        Path output = Files.write(mnt.resolve("merged.img"), chunk(0, 8192));
        fill();
        List<String> before = listing();
        Run r = run(new MooCommand(), cow.toString(), output.toString());
        assertEquals(1, r.exit());
        assertEquals("moo: " + output + ": cannot write the merge: No space left on device" + System.lineSeparator(), r.err());
        assertEquals(before, listing(), "no temporary file left");
        assertArrayEquals(chunk(0, 8192), Files.readAllBytes(output));
    }

    byte[] backing(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(back)) {
            while (b.hasRemaining() && ch.read(b, offset + b.position()) >= 0) {
                // read all
            }
        }
        return b.array();
    }

    /** Fills what is left of the file system, page by page, until ENOSPC. */
    void fill() throws IOException {
        try (FileChannel ch = FileChannel.open(mnt.resolve("filler"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate(4096);
            while (true) {
                page.clear();
                ch.write(page);
            }
        } catch (IOException e) {
            assertEquals("No space left on device", e.getMessage());
        }
    }

    List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(mnt)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    record Run(int exit, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = CommandLines.create(command, false);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cl.execute(args), err.toString());
    }

}
