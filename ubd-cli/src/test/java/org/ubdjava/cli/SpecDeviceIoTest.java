package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** A request the driver refuses is said in words: a write to an 'r' device is "read-only device", not a status name. */
class SpecDeviceIoTest {
    @TempDir
    Path dir;

    @Test
    void aWriteToAReadOnlyDeviceSaysSoInOneLine() throws Exception {
        Path img = Files.write(dir.resolve("a.img"), new byte[1 << 16]);
        WriteCommand w = new WriteCommand();
        w.in = new ByteArrayInputStream(new byte[4096]);
        StringWriter err = new StringWriter();
        CommandLine cl = CommandLines.create(w, false);
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("--offset", "0", "ubd0r=" + img);
        assertEquals(1, exit, err.toString() + "//" + exit);
        assertEquals("write: ubda: write at 0 failed: read-only device" + System.lineSeparator(), err.toString());
        assertFalse(err.toString().contains("IOERR"));
        assertEquals(0, Files.readAllBytes(img)[0]);
    }
}
