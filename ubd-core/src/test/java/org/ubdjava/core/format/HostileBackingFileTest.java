package org.ubdjava.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;

/**
 * A COW header can name any path as its backing file. Only regular files are followed: a FIFO
 * would block the opener for ever, a device (/dev/zero, a disk) or a directory is not a disk image.
 * Symlinks to them are refused alike (stat follows them).
 */
class HostileBackingFileTest {
    @TempDir
    Path dir;
    Path fifo;

    @BeforeEach
    void makeFifo() {
        fifo = dir.resolve("fifo");
        Exec.Result r = Exec.run(dir, List.of("mkfifo", fifo.toString()));
        assertEquals(0, r.exit(), r.both());
    }

    static String refusal(Path p) {
        return assertThrows(UbdException.class, () -> BackingFile.stat(p)).getMessage();
    }

    @Test
    void aFifoADeviceADirectoryAndSymlinksToThemAreRefused() throws IOException {
        Path devNull = Path.of("/dev/null");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        String isFifo = " is a FIFO; only regular files can back a COW file";
        String device = " is a character device; only regular files can back a COW file";
        String directory = " is a directory; only regular files can back a COW file";
        assertEquals("backing file \"" + fifo + "\"" + isFifo, refusal(fifo));
        assertEquals("backing file \"/dev/null\"" + device, refusal(devNull));
        assertEquals("backing file \"" + sub + "\"" + directory, refusal(sub));
        for (Path target : List.of(fifo, devNull, sub)) {
            Path link = Files.createSymbolicLink(dir.resolve("link-to-" + target.getFileName()), target);
            assertEquals("backing file \"" + link + "\"" + (target == sub ? directory : target == fifo ? isFifo : device), refusal(link));
        }
    }

    /** Before the fix, map opened the header's path directly: on a FIFO that blocks until a writer comes. */
    @Test
    void infoCheckAndMapOfACowOverAFifoAnswerAtOnce() throws IOException {
        Path cow = CowFixtures.cowFile(dir.resolve("cow.img"), CowFixtures.v3Header(fifo.toString(), 0, 0, 512, 4096));
        String expected = cow + ": backing file \"" + fifo + "\" is a FIFO; only regular files can back a COW file";
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (CowFile f = CowFile.open(cow)) {
                assertEquals(List.of(expected), CowInspector.check(f));
                assertEquals(false, CowInspector.info(f).backingOk());
                UbdException e = assertThrows(UbdException.class, () -> CowInspector.map(f));
                assertEquals("backing file \"" + fifo + "\" is a FIFO; only regular files can back a COW file",
                        e.getMessage());
            }
        });
    }

    @Test
    void creatingACowOverAFifoIsRefusedAndLeavesNothing() {
        Path cow = dir.resolve("new.cow");
        UbdException e = assertThrows(UbdException.class, () -> CowCreator.create(cow, fifo.toString(), false));
        assertEquals("backing file \"" + fifo + "\" is a FIFO; only regular files can back a COW file", e.getMessage());
        assertEquals(false, Files.exists(cow));
    }
}
