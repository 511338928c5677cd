package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.testing.CowFixtures;

import picocli.CommandLine;

/** ubd cat and ubd write with --allow-backing-dir: a COW file naming a backing file outside is refused, in one line. */
class CatWriteBackingDirsTest {
    @TempDir
    Path dir;
    Path images;
    Path cow;
    Path back;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectory(dir.resolve("images"));
        back = CowFixtures.referenceBacking(Files.createDirectory(dir.resolve("elsewhere")), 8);
        cow = images.resolve("vm.cow");
        CowCreator.create(cow, back.toString(), false);
    }

    record Run(int exit, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = CommandLines.create(command, false);
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), err.toString());
    }

    String refusal(String command) throws IOException {
        String line = cow + ": backing file \"" + back.toRealPath() + "\" is outside the allowed backing directories ("
                + images.toRealPath() + ")";
        // the kernel-log line, then the command's error
        return line + System.lineSeparator() + command + ": " + line + System.lineSeparator();
    }

    @Test
    void catRefusesAndWritesNoByte() throws IOException {
        CatCommand cat = new CatCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cat.out = out;
        Run r = run(cat, "--allow-backing-dir", images.toString(), "ubd0r=" + cow);
        assertEquals(1, r.exit());
        assertEquals(refusal("cat"), r.err());
        assertEquals(0, out.size());

        CatCommand allowed = new CatCommand();
        allowed.out = new ByteArrayOutputStream();
        Run ok = run(allowed, "--allow-backing-dir", back.getParent().toString(), "ubd0r=" + cow);
        assertEquals(0, ok.exit(), ok.err());
        assertEquals(8 * 512, ((ByteArrayOutputStream) allowed.out).size());
    }

    @Test
    void catOfAFileWithABrokenCowHeaderShowsItRawAndSaysWhy() throws IOException {
        byte[] bytes = new byte[1024];
        java.nio.ByteBuffer.wrap(bytes).putInt(0x4F4F4F4D).putInt(9); // COW magic, no such version
        bytes[1000] = 7;
        Path bad = Files.write(dir.resolve("bad.cow"), bytes);
        CatCommand cat = new CatCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cat.out = out;
        Run r = run(cat, "ubd0r=" + bad);
        assertEquals(0, r.exit(), r.err());
        assertEquals(bad + ": read_cow_header - invalid COW version 9: used as a raw image" + System.lineSeparator(), r.err());
        assertEquals(java.util.Arrays.toString(bytes), java.util.Arrays.toString(out.toByteArray()));
    }

    @Test
    void writeRefusesAndLeavesTheCowFileAsItWas() throws IOException {
        byte[] before = Files.readAllBytes(cow);
        WriteCommand write = new WriteCommand();
        write.in = new ByteArrayInputStream(new byte[512]);
        Run r = run(write, "--offset", "0", "--allow-backing-dir", images.toString(), "ubd0=" + cow);
        assertEquals(1, r.exit());
        assertEquals(refusal("write"), r.err());
        assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(Files.readAllBytes(cow)));
    }
}
