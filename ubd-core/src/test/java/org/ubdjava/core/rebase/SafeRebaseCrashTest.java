package org.ubdjava.core.rebase;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.testing.CowFixtures;

/**
 * What a crash during a safe rebase leaves. Several COW files over one base (a v3 file made by the
 * creator, and hand-made v2 and v1 ones) are rebased onto a changed copy while every write and
 * sync to each is recorded; then, for every cut point of each record, the file a crash there would
 * leave is rebuilt and read with the independent decoder: its header must parse and match the
 * backing file it names (size, mtime), and the guest must see the same bytes as before the rebase.
 *
 * <ul>
 * <li>Process crash: any prefix of the record.</li>
 * <li>Power cut: the writes since the last completed sync reach the disk in any subset (whole
 *     writes; torn sectors are not modelled).</li>
 * </ul>
 */
class SafeRebaseCrashTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {41, 42, 43})
    void everyCutLeavesAValidCowShowingTheSameBytes(long seed) throws IOException {
        Random rnd = new Random(seed);
        int sectors = 64 * (4 + rnd.nextInt(6));
        Path old = CowFixtures.randomBacking(dir.resolve("old.img"), (long) sectors * SECTOR, rnd);
        long mtime = Files.getLastModifiedTime(old).toMillis() / 1000;
        List<Path> cows = new ArrayList<>();
        cows.add(dir.resolve("a.cow"));
        CowCreator.create(cows.get(0), old.toString(), false);
        cows.add(CowFixtures.cowFile(dir.resolve("b.cow"), CowFixtures.v2Header(old.toString(), mtime, Files.size(old), SECTOR)));
        cows.add(CowFixtures.cowFile(dir.resolve("c.cow"), CowFixtures.v1Header(old.toString(), mtime, Files.size(old), SECTOR, false)));
        for (Path c : cows) {
            RebaseFixtures.randomWrites(c, sectors, 3 + rnd.nextInt(10), rnd);
        }
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.3, rnd);
        List<byte[]> initial = new ArrayList<>();
        List<byte[]> views = new ArrayList<>();
        for (Path c : cows) {
            initial.add(Files.readAllBytes(c));
            views.add(RebaseFixtures.view(c));
        }

        RecordingWriters rec = new RecordingWriters();
        SafeRebase.rebase(cows, neu.toString(), new SafeRebase.Options(SafeRebase.Progress.NONE, rec));

        int checked = 0;
        for (int i = 0; i < cows.size(); i++) {
            List<RecordingWriters.Op> ops = rec.ops.get(cows.get(i));
            assertTrue(ops.size() > 5, cows.get(i) + ": a record worth cutting: " + ops.size());
            assertTrue(ops.get(ops.size() - 1) instanceof RecordingWriters.Sync, "the header write is synced");
            for (int cut = 0; cut <= ops.size(); cut++) {
                check(cows.get(i), RecordingWriters.apply(initial.get(i), ops, cut, null), views.get(i), old, neu, "cut " + cut);
                checked++;
            }
            for (int cut = 0; cut <= ops.size(); cut++) {
                int lastSync = RecordingWriters.lastSyncBefore(ops, cut);
                for (int round = 0; round < 4; round++) {
                    boolean[] keep = new boolean[ops.size()];
                    for (int k = 0; k < cut; k++) {
                        keep[k] = k <= lastSync || rnd.nextBoolean();
                    }
                    check(cows.get(i), RecordingWriters.apply(initial.get(i), ops, cut, keep), views.get(i), old, neu,
                            "power cut at " + cut + " (synced to " + lastSync + ")");
                    checked++;
                }
            }
            // the whole record is the file on disk
            assertArrayEquals(Files.readAllBytes(cows.get(i)), RecordingWriters.apply(initial.get(i), ops, ops.size(), null));
        }
        assertTrue(checked > 100, "cut points checked: " + checked);
    }

    private static void check(Path cow, byte[] file, byte[] view, Path old, Path neu, String where) throws IOException {
        CowHeader h = CowHeaderReader.decode(ByteBuffer.wrap(file));
        Path backing = Path.of(h.backingFile());
        assertTrue(backing.equals(old) || backing.equals(neu), where + ": names " + backing);
        assertEquals(java.util.Optional.empty(), BackingFile.stat(backing).mismatch(h), where + ": valid over the file it names");
        byte[] got = RebaseFixtures.view(file);
        if (!Arrays.equals(view, got)) {
            int s = Arrays.mismatch(view, got) / SECTOR;
            throw new AssertionError(cow + " " + where + " over " + backing + ": sector " + s + " reads differently");
        }
    }
}
