package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a user does wrong around cat and write is one line naming the file, never an internal error. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CatWriteMistakesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingInputIsOneLineNamingItAndMakesNoCowFile() throws Exception {
        Files.write(dir.resolve("base.img"), new byte[8192]);
        Path input = dir.resolve("nonexist");
        CliRun r = CliRun.of(new WriteCommand(), "--offset", "0", "--input", input.toString(),
                "ubd0=" + dir.resolve("vm.cow") + "," + dir.resolve("base.img"));
        assertEquals(1, r.exit(), r.err());
        assertEquals("write: " + input + ": No such file or directory\n", r.err());
        assertFalse(Files.exists(dir.resolve("vm.cow")));
    }

    @Test
    void aReaderThatClosesThePipeStopsCatQuietlyWithExitZero() throws Exception {
        Path img = Files.write(dir.resolve("disk.img"), new byte[4 << 20]);
        Pipe pipe = Pipe.open();
        pipe.source().close(); // as `head -c 8` does once it has its bytes
        CatCommand cat = new CatCommand();
        cat.out = Channels.newOutputStream(pipe.sink());
        CliRun r = CliRun.of(cat, "ubd0r=" + img);
        pipe.sink().close();
        assertEquals("", r.err());
        assertEquals(0, r.exit());
    }
}
