package org.ubdjava.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;

/**
 * The kernel's read-only fallback: a device asked for read-write on a file that
 * cannot be opened for writing (EROFS here, from a read-only tmpfs) silently becomes read-only.
 */
class ReadOnlyFallbackTest {
    @TempDir
    Path dir;
    Path mnt;
    boolean mounted;

    @BeforeEach
    void mountReadOnly() throws IOException {
        mnt = Files.createDirectory(dir.resolve("ro"));
        Exec.Result r = Exec.run(dir, List.of("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString()));
        if (r.exit() != 0) {
            System.err.println("*** TEST SKIPPED ReadOnlyFallbackTest: cannot mount a tmpfs here (" + r.err().strip() + ")");
            Assumptions.abort("cannot mount a tmpfs: " + r.err().strip());
        }
        mounted = true;
        Path back = CowFixtures.referenceBacking(mnt, 100);
        CowCreator.create(mnt.resolve("cow.img"), back.toString(), false);
        Files.write(mnt.resolve("raw.img"), new byte[8192]);
        assertEquals(0, Exec.run(dir, List.of("mount", "-o", "remount,ro", mnt.toString())).exit());
    }

    @AfterEach
    void unmount() {
        if (mounted) {
            Exec.run(dir, List.of("umount", mnt.toString()));
        }
    }

    @Test
    void aReadWriteDeviceOnAReadOnlyFileSystemBecomesReadOnly() throws IOException {
        List<String> log = new ArrayList<>();
        DeviceOpener opener = new DeviceOpener(new HostFileTable(), log::add);
        for (String file : new String[] {"raw.img", "cow.img"}) {
            try (DeviceFiles d = opener.open(UbdDeviceConfig.of(0, mnt.resolve(file).toString(), null, null, UbdFlags.NONE))) {
                assertTrue(d.readOnly(), file);
                assertFalse(d.image().writable(), file);
                assertTrue(d.image().locked(), "read-locked instead: " + file);
            }
        }
        assertEquals(List.of(), log, "the kernel falls back silently");
    }
}
