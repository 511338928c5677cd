package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A range past the end of the device is said plainly, whatever the sum of offset and length would overflow to. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeviceRangeTest {
    @TempDir
    Path dir;

    @Test
    void catPastTheEndNamesOffsetAndLengthNotAnOverflowedEnd() throws Exception {
        Path img = Files.write(dir.resolve("disk.img"), new byte[8192]);
        CatCommand cat = new CatCommand();
        cat.out = new ByteArrayOutputStream();
        CliRun r = CliRun.of(cat, "--offset", "9223372036854775296", "--length", "1024", "ubd0r=" + img);
        assertEquals(1, r.exit(), r.err());
        assertEquals("cat: ubda: --offset 9223372036854775296 + --length 1024 runs past the end of the device (8192 bytes)\n", r.err());
        CliRun tail = CliRun.of(catTo(), "--offset", "4096", "--length", "8192", "ubd0r=" + img);
        assertEquals(1, tail.exit(), tail.err());
        assertEquals("cat: ubda: --offset 4096 + --length 8192 runs past the end of the device (8192 bytes)\n", tail.err());
    }

    @Test
    void writePastTheEndIsRefusedEvenWhereTheSumOverflows() throws Exception {
        Path img = Files.write(dir.resolve("disk.img"), new byte[8192]);
        WriteCommand w = new WriteCommand();
        w.in = new ByteArrayInputStream(new byte[1024]);
        CliRun r = CliRun.of(w, "--offset", "9223372036854775296", "ubd0=" + img);
        assertEquals(1, r.exit(), r.err());
        assertEquals("write: ubda: --offset 9223372036854775296 is past the end of the device (8192 bytes)\n", r.err());
        assertEquals(8192, Files.size(img));
    }

    private static CatCommand catTo() {
        CatCommand cat = new CatCommand();
        cat.out = new ByteArrayOutputStream();
        return cat;
    }
}
