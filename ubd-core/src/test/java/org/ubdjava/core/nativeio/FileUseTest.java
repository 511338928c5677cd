package org.ubdjava.core.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.UbdException;
import org.ubdjava.testsupport.SpecialFiles;

/** The probe works here (ext4 or tmpfs, where leases are supported): another process's descriptor or lock is seen. */
class FileUseTest {
    @TempDir
    Path dir;

    @Test
    void aFileNobodyHoldsIsFree() throws IOException {
        Path f = Files.write(dir.resolve("f"), new byte[10]);
        assertEquals(Optional.empty(), FileUse.holder(f));
        assertEquals(Optional.empty(), FileUse.holder(f), "the probe released its lease");
        assertEquals(Optional.empty(), FileUse.holder(dir.resolve("missing")));
    }

    @Test
    void anotherProcessWithTheFileOpenIsSeen() throws IOException {
        Path f = Files.write(dir.resolve("f"), new byte[10]);
        try (SpecialFiles.Holder h = SpecialFiles.holdOpen(f)) {
            assertEquals(Optional.of("open in another process (a running UML or ubd serve?)"), FileUse.holder(f));
            UbdException e = assertThrows(UbdException.class, () -> FileUse.refuseReplacingHeld(f));
            assertEquals(f + ": open in another process (a running UML or ubd serve?); not replacing it", e.getMessage());
        }
        assertEquals(Optional.empty(), FileUse.holder(f));
    }

    @Test
    void aLockNamesItsHolder() throws IOException {
        Path f = Files.write(dir.resolve("f"), new byte[10]);
        try (SpecialFiles.Holder h = SpecialFiles.writeLock(f)) {
            assertEquals(Optional.of("locked by pid " + h.pid() + " (a running UML or ubd serve?)"), FileUse.holder(f));
        }
    }
}
