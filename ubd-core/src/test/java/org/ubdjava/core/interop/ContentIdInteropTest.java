package org.ubdjava.core.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.ContentIdLayout;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.rebase.ContentIdentity;
import org.ubdjava.core.rebase.SafeRebase;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.testsupport.RequiresUmlUtilities;

/**
 * The content id and the safe rebase against the real uml_moo: it ignores the id (merges a COW file
 * carrying one to the same bytes as without), and merges a safely rebased COW file, over its new
 * backing file, to the same bytes as before the rebase.
 */
@RequiresUmlUtilities
class ContentIdInteropTest {
    @TempDir
    Path dir;

    Path mkcow(String cow, String backing) {
        Exec.Result r = Exec.run(dir, List.of(RealTools.umlMkcow(), cow, backing));
        assertEquals(0, r.exit(), r.both());
        return dir.resolve(cow);
    }

    byte[] moo(String cow, String out) throws IOException {
        Exec.Result r = Exec.run(dir, List.of(RealTools.umlMoo(), cow, out));
        assertEquals(0, r.exit(), r.both());
        return Files.readAllBytes(dir.resolve(out));
    }

    @Test
    void umlMooMergesACowFileWithAContentIdToTheSameBytes() throws IOException {
        Random rnd = new Random(21);
        CowFixtures.randomBacking(dir.resolve("back.img"), 2_500_000, rnd);
        Path cow = mkcow("cow.img", "back.img");
        UmlMooInteropTest.randomWrites(cow, 2_500_000 / 512, 30, rnd);
        byte[] without = moo("cow.img", "without.img");
        ContentIdentity.add(cow, p -> { });
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cow).kind());
        byte[] with = moo("cow.img", "with.img");
        assertArrayEquals(without, with);
        // and uml_moo leaves it there
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cow).kind());
        // the only difference between the two COW files is the record
        Path bare = Files.copy(cow, dir.resolve("bare.img"));
        try (FileChannel ch = FileChannel.open(bare, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, new byte[ContentIdLayout.LENGTH], ContentIdLayout.OFFSET);
        }
        assertEquals(ContentIdState.Kind.NONE, ContentIdentity.read(bare).kind());
        assertArrayEquals(with, moo("bare.img", "bare-merged.img"));
    }

    @Test
    void umlMooMergesSafelyRebasedCowFilesToTheSameBytes() throws IOException {
        Random rnd = new Random(22);
        long size = 3 << 20;
        Path old = CowFixtures.randomBacking(dir.resolve("old.img"), size, rnd);
        List<Path> cows = new ArrayList<>();
        List<byte[]> merged = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path cow = mkcow("cow" + i + ".img", "old.img");
            UmlMooInteropTest.randomWrites(cow, size / 512, 10 + rnd.nextInt(40), rnd);
            if (i % 2 == 0) {
                ContentIdentity.add(cow, p -> { });
            }
            cows.add(cow);
            merged.add(moo("cow" + i + ".img", "before" + i + ".img"));
        }
        byte[] b = Files.readAllBytes(old);
        for (int k = 0; k < b.length / 10; k++) {
            b[rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
        }
        Path neu = dir.resolve("new.img");
        Files.write(neu, b);
        Files.setLastModifiedTime(neu, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(old).toMillis() + 3_600_000));

        SafeRebase.Report r = SafeRebase.rebase(cows, neu.toString());

        assertTrue(r.cows().stream().allMatch(o -> o.sectorsCopied() > 0), "the backing files differ where the COW files do not hold");
        for (int i = 0; i < cows.size(); i++) {
            byte[] after = moo("cow" + i + ".img", "after" + i + ".img");
            assertTrue(Arrays.equals(merged.get(i), after), "cow" + i + ": uml_moo over the new backing file gives the bytes it gave over the old");
        }
        // uml_moo checks the header against the new file, and it passes: it read the new file above
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cows.get(0)).kind());
    }
}
