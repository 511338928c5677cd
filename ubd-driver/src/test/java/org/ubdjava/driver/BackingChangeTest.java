package org.ubdjava.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The backing file changing under a running disk: noticed at the next flush, logged once naming
 * the file, visible as Disk#backingChanged(); the disk keeps serving; new opens are refused by the
 * header's size/mtime check.
 */
class BackingChangeTest {
    @TempDir
    Path dir;
    Path back;
    Path cow;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws IOException {
        back = CowFixtures.referenceBacking(dir, 16);
        cow = dir.resolve("vm.cow");
        CowCreator.create(cow, back.toString(), false);
    }

    static IoStatus flush(UbdDriver driver, Disk disk) {
        return driver.submit(disk, IoOp.FLUSH, 0, null, 0).join();
    }

    List<String> changeLines() {
        synchronized (log) {
            return log.stream().filter(l -> l.contains("changed while in use")).toList();
        }
    }

    @Test
    void aTouchedBackingFileIsReportedAtTheNextFlushOnceAndTheDiskKeepsServing() throws IOException {
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + cow, log::add);
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.WRITE, 0, ByteBuffer.allocate(512), 0).join());
            assertEquals(IoStatus.OK, flush(driver, disk));
            assertFalse(disk.backingChanged());
            assertEquals(List.of(), changeLines());

            Files.setLastModifiedTime(back, FileTime.fromMillis((CowFixtures.MTIME + 60) * 1000));
            assertFalse(disk.backingChanged(), "nothing looks until a flush: no stat per request");
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, 512, ByteBuffer.allocate(512), 0).join());
            assertFalse(disk.backingChanged());
            assertEquals(IoStatus.OK, flush(driver, disk));
            assertTrue(disk.backingChanged());
            List<String> lines = changeLines();
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("ubda: backing file \"" + back.toRealPath() + "\" changed while in use (size 8192, mtime "),
                    lines.get(0));

            assertEquals(IoStatus.OK, flush(driver, disk));
            assertEquals(1, changeLines().size(), "logged once");
            ByteBuffer b = ByteBuffer.allocate(512);
            assertEquals(IoStatus.OK, driver.submit(disk, IoOp.READ, 512, b, 0).join());
            assertEquals(0x41, b.get(0), "still serves reads of the backing file");
        }
    }

    @Test
    void aBackingFileWrittenInPlaceOrReplacedIsNoticed() throws IOException {
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + cow, log::add);
            // same size, mtime put back: only the inode tells
            Path other = Files.copy(back, dir.resolve("replacement.img"), StandardCopyOption.COPY_ATTRIBUTES);
            Files.move(other, back, StandardCopyOption.REPLACE_EXISTING);
            assertTrue(disk.checkBacking());
            assertTrue(changeLines().get(0).contains("now another file (size 8192"), changeLines().get(0));
        }
        log.clear();
        Path cow2 = dir.resolve("vm2.cow");
        CowCreator.create(cow2, back.toString(), false);
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd1=" + cow2, log::add);
            Files.write(back, new byte[512], StandardOpenOption.APPEND);
            assertEquals(IoStatus.OK, flush(driver, disk));
            assertTrue(disk.backingChanged());
            assertTrue(changeLines().get(0).contains(", now size 8704, mtime "), changeLines().get(0));
        }
    }

    @Test
    void aRawImageHasNoBackingFileToWatch() throws IOException {
        Path raw = Files.write(dir.resolve("raw.img"), new byte[4096]);
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + raw, log::add);
            assertEquals(IoStatus.OK, flush(driver, disk));
            assertFalse(disk.backingChanged());
            assertFalse(disk.checkBacking());
        }
    }

    @Test
    void aNewOpenOverTheChangedFileIsRefusedByTheMismatchCheck() throws IOException {
        Path cow2 = dir.resolve("vm2.cow");
        CowCreator.create(cow2, back.toString(), false);
        try (UbdDriver driver = new UbdDriver()) {
            Disk disk = driver.attach("ubd0=" + cow, log::add);
            Files.setLastModifiedTime(back, FileTime.fromMillis((CowFixtures.MTIME + 60) * 1000));
            assertEquals(IoStatus.OK, flush(driver, disk));
            assertTrue(disk.backingChanged());
            UbdException e = assertThrows(UbdException.class, () -> driver.attach("ubd1=" + cow2, log::add));
            assertTrue(e.getMessage().startsWith(cow2 + ": backing file \"" + back.toRealPath() + "\" has mtime "), e.getMessage());
            assertTrue(log.contains("ubdb: Can't open \"" + cow2 + "\": errno = 22"), log.toString());
            assertTrue(log.contains("mtime mismatch (" + CowFixtures.MTIME + " vs " + (CowFixtures.MTIME + 60)
                    + ") of COW header vs backing file"), log.toString());
        }
    }
}
