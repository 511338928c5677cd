package org.ubdjava.core.rebase;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.DigestAlgorithm;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.RequiresUmlKernel;

/**
 * The real kernel over what the rebase tools write, in one boot: COW files carrying a content id
 * read right, keep their id when the guest writes and when the kernel switches the backing path
 * itself; safely rebased COW files read, over their new backing file, exactly what they read over
 * the old one. Devices are read in 4 KiB direct reads (larger reads hit the kernel's B1 bug) and
 * have whole sectors above 64 (B3, B4).
 */
@RequiresUmlKernel
class KernelRebaseInteropTest {

    @TempDir
    Path dir;

    @Test
    void theKernelReadsContentIdAndSafelyRebasedCowFilesRight() throws Exception {
        Random rnd = new Random(26);
        List<String> args = new ArrayList<>();
        StringBuilder script = new StringBuilder();
        List<String> want = new ArrayList<>();
        int d = 0;
        // content-id COW files
        List<Path> idCows = new ArrayList<>();
        for (int i = 0; i < 3; i++, d++) {
            long sectors = 100 + rnd.nextInt(4000);
            Path back = CowFixtures.randomBacking(dir.resolve("idback" + i + ".img"), sectors * SECTOR, rnd);
            Path cow = dir.resolve("id" + i + ".cow");
            CowCreator.create(cow, back.toString(), false, Preallocation.OFF, DigestAlgorithm.SHA_256, p -> { });
            RebaseFixtures.randomWrites(cow, sectors, 10, rnd);
            idCows.add(cow);
            args.add("ubd" + d + "=" + cow);
            read(script, want, d, RebaseFixtures.view(cow));
        }
        // the guest writes to one of them: bitmap write-backs must leave the record alone
        Path data = Files.write(dir.resolve("w.bin"), new byte[4096]);
        script.append("dd if=").append(data).append(" of=/dev/ubda bs=4096 seek=3 count=1 oflag=direct conv=notrunc 2>/dev/null\n");
        // the kernel's own switch to a copy with the same size and mtime (cp -p): it writes a v3 header over ours
        long sectors = 300;
        Path origin = CowFixtures.randomBacking(dir.resolve("origin.img"), sectors * SECTOR, rnd);
        Path copy = dir.resolve("copy.img");
        Files.copy(origin, copy, StandardCopyOption.COPY_ATTRIBUTES);
        Path switched = dir.resolve("switched.cow");
        CowCreator.create(switched, origin.toString(), false, Preallocation.OFF, DigestAlgorithm.SHA_256, p -> { });
        args.add("ubd" + d + "=" + switched + "," + copy);
        read(script, want, d++, RebaseFixtures.view(switched));
        // safely rebased COW files: what they showed over the old base
        long baseSectors = 2048 + rnd.nextInt(4096);
        Path old = CowFixtures.randomBacking(dir.resolve("old.img"), baseSectors * SECTOR, rnd);
        List<Path> cows = new ArrayList<>();
        List<byte[]> views = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Path cow = dir.resolve("r" + i + ".cow");
            CowCreator.create(cow, old.toString(), false);
            RebaseFixtures.randomWrites(cow, baseSectors, 5 + rnd.nextInt(40), rnd);
            cows.add(cow);
            views.add(RebaseFixtures.view(cow));
        }
        Path neu = RebaseFixtures.changedCopy(old, dir.resolve("new.img"), 0.1, rnd);
        SafeRebase.Report report = SafeRebase.rebase(cows, neu.toString());
        assertTrue(report.cows().stream().allMatch(o -> o.sectorsCopied() > 0));
        for (int i = 0; i < cows.size(); i++, d++) {
            args.add("ubd" + d + "=" + cows.get(i));
            read(script, want, d, views.get(i));
        }

        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(script.toString(), args, 240);

        assertEquals(0, r.exit(), r.out() + r.kernelMessages());
        assertEquals(String.join("\n", want) + "\n", r.out(), "kernel messages: " + r.kernelMessages());
        assertTrue(r.kernelMessages().stream().anyMatch(m -> m.contains("Switching backing file to '" + copy + "'")), r.kernelMessages().toString());
        assertEquals(copy.toString(), CowHeaderReader.read(switched).backingFile(), "the kernel switched the header");
        assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(switched).kind(), "the switch kept the id");
        for (Path cow : idCows) {
            assertEquals(ContentIdState.Kind.VALID, ContentIdentity.read(cow).kind(), cow.toString());
        }
        try (CowFile f = CowFile.open(idCows.get(0))) {
            assertTrue(f.bitmap().get(24) && f.bitmap().get(31), "the guest's write is in");
        }
    }

    private static void read(StringBuilder script, List<String> want, int d, byte[] device) throws Exception {
        char c = (char) ('a' + d);
        script.append("echo /dev/ubd").append(c).append(" $(dd if=/dev/ubd").append(c)
                .append(" bs=4096 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n");
        want.add("/dev/ubd" + c + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(device)));
    }

}
