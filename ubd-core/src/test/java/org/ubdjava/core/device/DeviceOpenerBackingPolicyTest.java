package org.ubdjava.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.BackingPolicy;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;
import org.ubdjava.core.testing.CowFixtures;

/** DeviceOpener under a BackingPolicy: a COW file naming a backing file outside is refused before it is opened. */
class DeviceOpenerBackingPolicyTest {
    @TempDir
    Path dir;
    Path images;
    Path elsewhere;
    final List<String> log = new ArrayList<>();
    HostFileTable table;
    DeviceOpener opener;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectory(dir.resolve("images"));
        elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        table = new HostFileTable();
        opener = new DeviceOpener(table, log::add, BackingPolicy.within(List.of(images)));
    }

    static UbdDeviceConfig cfg(Path file, Path backing) {
        return UbdDeviceConfig.of(0, file.toString(), backing == null ? null : backing.toString(), null, UbdFlags.NONE);
    }

    @Test
    void aHeaderNamingABackingFileOutsideIsRefusedWithEperm() throws IOException {
        Path outside = CowFixtures.referenceBacking(elsewhere, 8);
        Path cow = images.resolve("vm.cow");
        CowCreator.create(cow, outside.toString(), false);
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(cow, null)));
        String line = cow + ": backing file \"" + outside.toRealPath() + "\" is outside the allowed backing directories (" + images.toRealPath() + ")";
        assertEquals(line, e.getMessage());
        assertEquals(Errno.EPERM, e.errno());
        assertEquals(List.of(line), log);
        // refused before the backing file was opened: it can be write-locked (nothing of ours holds it)
        try (DeviceFiles raw = new DeviceOpener(table, KernelLog.DISCARD).open(
                UbdDeviceConfig.of(1, outside.toString(), null, null, UbdFlags.fromLetters("d")))) {
            assertTrue(raw.image().writable() && raw.image().locked());
        }
    }

    @Test
    void aBackingFileInsideOpensAsUsual() throws IOException {
        Path inside = CowFixtures.referenceBacking(images, 8);
        Path cow = images.resolve("vm.cow");
        try (DeviceFiles d = opener.open(cfg(cow, inside))) {
            assertTrue(d.isCow());
        }
    }

    @Test
    void aBackingFileOutsideOnTheCommandLineCreatesNoCowFile() throws IOException {
        Path outside = CowFixtures.referenceBacking(elsewhere, 8);
        Path cow = images.resolve("new.cow");
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(cow, outside)));
        assertEquals(Errno.EPERM, e.errno());
        assertFalse(Files.exists(cow));
    }

    /** The switch would rewrite the header to the outside path: refused before the rewrite. */
    @Test
    void noHeaderSwitchToABackingFileOutside() throws IOException {
        Path inside = CowFixtures.referenceBacking(images, 8);
        Path cow = images.resolve("vm.cow");
        CowCreator.create(cow, inside.toString(), false);
        byte[] before = Files.readAllBytes(cow);
        Path copy = Files.copy(inside, elsewhere.resolve("copy.img"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        assertThrows(DeviceOpenException.class, () -> opener.open(cfg(cow, copy)));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(cow)), "header rewritten");
    }

    @Test
    void aSymlinkInsideToABackingFileOutsideIsRefused() throws IOException {
        Path outside = CowFixtures.referenceBacking(elsewhere, 8);
        Path link = Files.createSymbolicLink(images.resolve("link.img"), outside);
        Path cow = images.resolve("vm.cow");
        CowCreator.create(cow, link.toString(), false);
        DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(cfg(cow, null)));
        assertTrue(e.getMessage().contains("(really \"" + outside.toRealPath() + "\")"), e.getMessage());
    }
}
