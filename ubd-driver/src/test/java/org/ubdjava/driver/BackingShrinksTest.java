package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * A backing file truncated under COW devices that read it through its shared mapping: a read of
 * the part that vanished touches a page past the file's end (SIGBUS). It must complete with an
 * I/O error, say so in one line naming the disk and the file, and leave every disk serving.
 */
@Timeout(120)
class BackingShrinksTest {
    static final int SIZE = 1 << 20;
    static final int NEW_SIZE = 256 << 10;

    @TempDir
    Path dir;

    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    static IoStatus read(UbdDriver driver, Disk disk, long offset, ByteBuffer b) throws Exception {
        b.clear();
        return driver.submit(disk, IoOp.READ, offset, b, 0).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aReadOfTheVanishedPartIsAnIoErrorAndTheRestStillReads() throws Exception {
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), SIZE, new Random(7));
        byte[] data = Files.readAllBytes(back);
        Path cowA = dir.resolve("a.cow");
        Path cowB = dir.resolve("b.cow");
        CowCreator.create(cowA, back.toString(), false);
        CowCreator.create(cowB, back.toString(), false);
        try (UbdDriver driver = new UbdDriver()) {
            Disk a = driver.attach("ubd0=" + cowA + "," + back, log::add);
            Disk b = driver.attach("ubd1=" + cowB + "," + back, log::add);
            assertEquals(a.ioThread(), b.ioThread(), "one I/O thread serves both");
            ByteBuffer buf = ByteBuffer.allocateDirect(4096);
            // enough reads that the copy out of the mapping runs compiled: there a fault is
            // delivered late, as an InternalError at a later safepoint, not in the copy itself
            for (int i = 0; i < 30_000; i++) {
                assertEquals(IoStatus.OK, read(driver, i % 2 == 0 ? a : b, (i * 4096L) % SIZE, buf));
            }
            try (FileChannel ch = FileChannel.open(back, StandardOpenOption.WRITE)) {
                ch.truncate(NEW_SIZE);
            }

            long past = 3L * SIZE / 4;
            assertEquals(IoStatus.IOERR, read(driver, a, past, buf), "a read of the vanished part");
            assertEquals(IoStatus.IOERR, read(driver, a, NEW_SIZE - 4096 + 2048, buf.limit(4096)), "a read across the new end");
            assertEquals(IoStatus.IOERR, read(driver, b, past, buf), "the other disk over the file");
            for (int i = 0; i < 100; i++) {
                assertEquals(IoStatus.IOERR, read(driver, a, past, buf)); // a guest that retries
            }

            assertEquals(IoStatus.OK, read(driver, a, 4096, buf), "what is left of the file still reads");
            byte[] got = new byte[4096];
            buf.get(0, got);
            assertArrayEquals(Arrays.copyOfRange(data, 4096, 8192), got);
            assertEquals(IoStatus.OK, read(driver, b, 0, buf));
            ByteBuffer w = ByteBuffer.allocateDirect(4096);
            assertEquals(IoStatus.OK, driver.submit(a, IoOp.WRITE, past, w, 0).get(10, TimeUnit.SECONDS), "a write to the COW file");
            assertEquals(IoStatus.OK, read(driver, a, past, buf), "then reads from the COW file");

            List<String> lines;
            synchronized (log) {
                lines = log.stream().filter(l -> l.contains("shrank")).toList();
            }
            String expect = "ubda: read at " + past + ": backing file \"" + back.toRealPath()
                    + "\" shrank under the device (a fault in its mapping); I/O error";
            assertEquals(expect, lines.get(0), log.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("ubdb: read at " + past + ": backing file")), lines.toString());
            assertTrue(lines.size() < 30, "a guest that retries does not flood the log: " + lines.size() + " lines");
        }
    }
}
