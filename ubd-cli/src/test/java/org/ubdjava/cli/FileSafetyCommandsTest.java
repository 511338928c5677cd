package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.SpecialFiles;

import com.fasterxml.jackson.core.type.TypeReference;

/**
 * Nothing lost, nothing hangs, nothing misleads: files in use are never replaced, files that are not
 * regular are never replaced nor opened as if they were, a COW file naming itself is reported, paths
 * from headers reach the terminal escaped, read commands create nothing, and a failed attach says
 * which file is wrong and what to do.
 */
class FileSafetyCommandsTest {
    static final Duration HANG = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Path back;
    Path cow;
    Path fifo;

    @BeforeEach
    void setUp() throws IOException {
        back = CowFixtures.referenceBacking(dir, 20);
        cow = dir.resolve("cow.img");
        assertEquals(0, CliRun.of(new MkcowCommand(), cow.toString(), back.toString()).exit());
        CowFixtures.writeSectors(cow, 4, new byte[1024]);
        fifo = dir.resolve("fifo");
    }

    @AfterEach
    void releaseAnyThreadBlockedOnTheFifo() {
        SpecialFiles.unblock(fifo);
    }

    /** The command, run in-process, bounded: a command stuck in an open fails the test instead of hanging it. */
    static CliRun run(Supplier<Object> command, String... args) {
        return assertTimeoutPreemptively(HANG, () -> CliRun.of(command.get(), args), () -> "hangs: " + String.join(" ", args));
    }

    static CatCommand cat() {
        CatCommand c = new CatCommand();
        c.out = new ByteArrayOutputStream();
        return c;
    }

    static String lastLine(String s) {
        List<String> lines = s.lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    // ---- (a) a file another process holds is never replaced ----

    @Test
    void mkcowDashFRefusesACowFileAnotherProcessHasOpen() throws IOException {
        String before = SpecialFiles.digest(cow);
        try (SpecialFiles.Holder h = SpecialFiles.holdOpen(cow)) {
            CliRun r = run(MkcowCommand::new, "-f", cow.toString(), back.toString());
            assertEquals(1, r.exit(), r.err());
            assertEquals("mkcow: " + cow + ": open in another process (a running UML or ubd serve?); not replacing it\n", r.err());
        }
        assertEquals(before, SpecialFiles.digest(cow));
    }

    @Test
    void mkcowDashFRefusesALockedCowFileNamingThePid() throws IOException {
        String before = SpecialFiles.digest(cow);
        try (SpecialFiles.Holder h = SpecialFiles.writeLock(cow)) {
            CliRun r = run(MkcowCommand::new, "-f", cow.toString(), back.toString());
            assertEquals(1, r.exit(), r.err());
            assertEquals("mkcow: " + cow + ": locked by pid " + h.pid() + " (a running UML or ubd serve?); not replacing it\n", r.err());
        }
        assertEquals(before, SpecialFiles.digest(cow));
    }

    @Test
    void mooRefusesToReplaceANewFileInUse() throws IOException {
        Path out = Files.write(dir.resolve("out.img"), new byte[] {1, 2, 3});
        String before = SpecialFiles.digest(out);
        try (SpecialFiles.Holder h = SpecialFiles.holdOpen(out)) {
            CliRun r = run(MooCommand::new, cow.toString(), out.toString());
            assertEquals(1, r.exit(), r.err());
            assertEquals("moo: " + out + ": open in another process (a running UML or ubd serve?); not replacing it\n", r.err());
        }
        try (SpecialFiles.Holder h = SpecialFiles.writeLock(out)) {
            CliRun r = run(MooCommand::new, cow.toString(), out.toString());
            assertEquals(1, r.exit(), r.err());
            assertEquals("moo: " + out + ": locked by pid " + h.pid() + " (a running UML or ubd serve?); not replacing it\n", r.err());
        }
        assertEquals(before, SpecialFiles.digest(out));
        assertEquals(List.of(), leftovers(), "no temporary file left");
        assertEquals(0, run(MooCommand::new, cow.toString(), out.toString()).exit(), "once nobody holds it, it is replaced");
    }

    List<String> leftovers() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    // ---- (b) a file that is not regular is never replaced nor read as one ----

    @Test
    void mkcowAndMooNeverReplaceAFifo() {
        SpecialFiles.fifo(fifo);
        CliRun mk = run(MkcowCommand::new, "-f", fifo.toString(), back.toString());
        assertEquals(1, mk.exit());
        assertEquals("mkcow: " + fifo + ": is a FIFO; a COW file must be a regular file\n", mk.err());
        CliRun moo = run(MooCommand::new, cow.toString(), fifo.toString());
        assertEquals(1, moo.exit());
        assertEquals("moo: " + fifo + ": is a FIFO; a merged image must be a regular file\n", moo.err());
        assertEquals("fifo", SpecialFiles.kind(fifo));
    }

    @Test
    void aCharacterDeviceIsNeverReplaced() {
        // a /dev/null of our own: where the test may not make one, the FIFO test stands for it
        Path nul = dir.resolve("null");
        Exec.Result mknod = Exec.run(dir, List.of("mknod", nul.toString(), "c", "1", "3"), 20);
        Assumptions.assumeTrue(mknod.exit() == 0, "mknod not permitted: " + mknod.both());
        CliRun moo = run(MooCommand::new, cow.toString(), nul.toString());
        assertEquals(1, moo.exit());
        assertEquals("moo: " + nul + ": is a character device; a merged image must be a regular file\n", moo.err());
        CliRun mk = run(MkcowCommand::new, "-f", nul.toString(), back.toString());
        assertEquals(1, mk.exit());
        assertEquals("mkcow: " + nul + ": is a character device; a COW file must be a regular file\n", mk.err());
        assertEquals("character special file", SpecialFiles.kind(nul));
    }

    @Test
    void aFifoGivenAsCowFileIsRefusedByEveryCommandWithoutHanging() {
        SpecialFiles.fifo(fifo);
        String f = fifo.toString();
        String line = f + ": is a FIFO; a COW file must be a regular file";
        assertEquals(new CliRun(1, "", "info: " + line + "\n"), run(InfoCommand::new, f));
        assertEquals(new CliRun(1, "", "check: " + line + "\n"), run(CheckCommand::new, f));
        assertEquals(new CliRun(1, "", "map: " + line + "\n"), run(MapCommand::new, f));
        assertEquals(new CliRun(1, "", "moo: " + line + "\n"), run(MooCommand::new, f, dir.resolve("new.img").toString()));
        assertEquals(new CliRun(1, "", "rebase: " + line + "\n"), run(RebaseCommand::new, f, back.toString()));
        assertEquals(new CliRun(1, "", "cat: " + f + ": is a FIFO; a disk image or COW file must be a regular file\n"),
                run(FileSafetyCommandsTest::cat, "ubd0=" + f));
        assertEquals(new CliRun(1, "", "cat: " + f + ": is a FIFO; a disk image or COW file must be a regular file\n"),
                run(FileSafetyCommandsTest::cat, "ubd0=" + f + "," + back));
        assertEquals("fifo", SpecialFiles.kind(fifo));
        assertFalse(Files.exists(dir.resolve("new.img")));
    }

    @Test
    void aFifoGivenAsTraceIsRefusedWithoutHanging() throws IOException {
        SpecialFiles.fifo(fifo);
        Path run = Files.createDirectories(dir.resolve("run"));
        CliRun r = run(ReplayCommand::new, "--trace", fifo.toString(), "ubd0=" + run.resolve("vm.cow") + "," + back);
        assertEquals(1, r.exit(), r.err());
        assertEquals("replay: " + fifo + ": is a FIFO; a trace must be a regular file", lastLine(r.err()));
        try (var made = Files.list(run)) {
            assertEquals(0, made.count(), "nothing was created");
        }
    }

    // ---- (c) a COW file naming itself as its backing file ----

    /**
     * A header that names {@code named} as its backing file, with the size and mtime of the COW file
     * itself: without a test of identity, every size-and-mtime check finds it a match.
     */
    Path selfBacked(Path file, String named) throws IOException {
        long size = 1 << 20;
        CowFixtures.cowFile(file, CowFixtures.v3Header(named, CowFixtures.MTIME, size, 512, 4096));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
        Files.setLastModifiedTime(file, FileTime.fromMillis(CowFixtures.MTIME * 1000));
        return file;
    }

    @Test
    void aCowFileNamingItselfIsAProblemForEveryCommand() throws IOException {
        Path self = selfBacked(dir.resolve("self.cow"), dir.resolve("self.cow").toString());
        Path viaLink = dir.resolve("link-to-loop.cow");
        Files.createSymbolicLink(viaLink, dir.resolve("loop.cow"));
        Path loop = selfBacked(dir.resolve("loop.cow"), viaLink.toString());
        for (Path c : List.of(self, loop)) {
            String before = SpecialFiles.digest(c);
            String line = c + ": the header names the COW file itself as its backing file";
            CliRun check = run(CheckCommand::new, c.toString());
            assertEquals(1, check.exit(), check.out());
            assertEquals(line + "\n", check.err());
            CliRun info = run(InfoCommand::new, "--json", c.toString());
            Map<String, Object> m = Json.mapper().readValue(info.out(), new TypeReference<Map<String, Object>>() { });
            assertEquals(false, m.get("backing_ok"));
            assertEquals("the header names the COW file itself as its backing file", m.get("backing_problem"));
            assertEquals(new CliRun(1, "", "map: " + line + "\n"), run(MapCommand::new, c.toString()));
            Path out = dir.resolve("merged.img");
            assertEquals(new CliRun(1, "", "moo: " + line + "\n"), run(MooCommand::new, c.toString(), out.toString()));
            assertFalse(Files.exists(out));
            CliRun cat = run(FileSafetyCommandsTest::cat, "ubd0r=" + c);
            assertEquals(1, cat.exit());
            assertEquals("cat: " + line, lastLine(cat.err()));
            assertEquals(before, SpecialFiles.digest(c));
        }
    }

    // ---- paths from headers reach the terminal escaped ----

    @Test
    void infoShowsAForgedBackingPathEscapedAndJsonKeepsItExact() throws IOException {
        String forged = dir + "/b.img\nbacking_ok:        true\n\u001b[31mred\u009b2J\u202eevil";
        Path c = CowFixtures.cowFile(dir.resolve("forged.cow"), CowFixtures.v3Header(forged, CowFixtures.MTIME, 10240, 512, 4096));
        CliRun text = run(InfoCommand::new, c.toString());
        assertEquals(0, text.exit(), text.err());
        assertEquals(List.of("backing_ok:        false"), text.out().lines().filter(l -> l.startsWith("backing_ok")).toList());
        assertTrue(text.out().contains("backing_file:      " + dir + "/b.img\\nbacking_ok:        true\\n\\x1b[31mred\\x9b2J\\u202eevil\n"),
                text.out());
        for (String s : List.of(text.out(), text.err())) {
            assertTrue(s.chars().noneMatch(ch -> ch < 0x20 && ch != '\n' || ch >= 0x7f && ch < 0xa0 || ch == 0x202e), s);
        }
        CliRun json = run(InfoCommand::new, "--json", c.toString());
        assertEquals(0, json.exit(), json.err());
        Map<String, Object> m = Json.mapper().readValue(json.out(), new TypeReference<Map<String, Object>>() { });
        assertEquals(forged, m.get("backing_file"));
        assertTrue(json.out().chars().noneMatch(ch -> ch < 0x20 && ch != '\n' || ch >= 0x7f && ch < 0xa0 || ch == 0x202e), json.out());
        CliRun check = run(CheckCommand::new, c.toString());
        assertEquals(1, check.exit());
        assertTrue(check.err().chars().noneMatch(ch -> ch < 0x20 && ch != '\n' || ch >= 0x7f && ch < 0xa0 || ch == 0x202e), check.err());
    }

    // ---- read commands create nothing ----

    @Test
    void catOfAMissingCowFileCreatesNothingAndSaysHowToMakeOne() {
        Path typo = dir.resolve("typo.cow");
        CliRun r = run(FileSafetyCommandsTest::cat, "ubd0=" + typo + "," + back);
        assertEquals(1, r.exit(), r.err());
        assertEquals("cat: " + typo + ": No such file or directory; this command does not create COW files (make one with: ubd mkcow "
                + typo + " " + back + ")", lastLine(r.err()));
        assertFalse(Files.exists(typo));
    }

    // ---- a failed attach names the file and says what to do ----

    @Test
    void aMissingBackingFileIsNamed() throws IOException {
        CliRun given = run(FileSafetyCommandsTest::cat, "ubd0=" + dir.resolve("x.cow") + "," + dir.resolve("nob.img"));
        assertEquals(1, given.exit());
        assertEquals(List.of("Failed to initialize ubd device 0 :Couldn't determine size of device's file",
                "cat: backing file \"" + dir.resolve("nob.img") + "\": No such file or directory"), given.err().lines().toList());
        Path moved = dir.resolve("moved.img");
        Files.move(back, moved);
        CliRun named = run(FileSafetyCommandsTest::cat, "ubd0=" + cow);
        assertEquals(1, named.exit());
        assertEquals("cat: " + cow + ": backing file \"" + dir.toRealPath().resolve("back.img")
                + "\" named in its header: No such file or directory (moved? ubd rebase " + cow + " NEWPATH)", lastLine(named.err()));
    }

    @Test
    void aLockedCowFileNamesTheProcessHoldingIt() throws IOException {
        try (SpecialFiles.Holder h = SpecialFiles.writeLock(cow)) {
            CliRun r = run(FileSafetyCommandsTest::cat, "ubd0=" + cow);
            assertEquals(1, r.exit());
            assertEquals(List.of("F_SETLK failed, file already locked by pid " + h.pid(), "Failed to lock '" + cow + "', err = 11",
                    "ubda: Can't open \"" + cow + "\": errno = 11",
                    "cat: " + cow + ": locked by pid " + h.pid() + " (a running UML or ubd serve?)"), r.err().lines().toList());
        }
    }

    @Test
    void aChangedBackingFileSaysWhatChangedAndWhatToDo() throws IOException {
        String real = dir.toRealPath().resolve("back.img").toString();
        Files.setLastModifiedTime(back, FileTime.fromMillis(1600000000L * 1000));
        CliRun mtime = run(FileSafetyCommandsTest::cat, "ubd0=" + cow);
        assertEquals(1, mtime.exit());
        assertEquals(List.of("mtime mismatch (1614834367 vs 1600000000) of COW header vs backing file",
                "ubda: Can't open \"" + cow + "\": errno = 22",
                "cat: " + cow + ": backing file \"" + real + "\" has mtime 1600000000, the COW header expects 1614834367"
                        + " (changed, or copied without cp -p?); if its content is unchanged: touch -d @1614834367 \"" + real
                        + "\" (or touch -r the original), or ubd rebase " + cow + " onto a copy with that mtime"),
                mtime.err().lines().toList());
        try (FileChannel ch = FileChannel.open(back, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(512), 10240);
        }
        CliRun size = run(FileSafetyCommandsTest::cat, "ubd0=" + cow);
        assertEquals(1, size.exit());
        assertEquals("cat: " + cow + ": backing file \"" + real + "\" is 10752 bytes, the COW header expects 10240:"
                + " not the file this COW file was made on", lastLine(size.err()));
    }
}
