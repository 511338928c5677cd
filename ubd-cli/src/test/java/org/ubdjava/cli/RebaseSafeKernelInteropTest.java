package org.ubdjava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.rebase.RebaseFixtures;
import org.ubdjava.harness.report.Json;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.testsupport.RequiresUmlKernel;

import com.fasterxml.jackson.core.type.TypeReference;

/**
 * Issue 26's first must-show, with the real programs: a base image holding an ext4 file system,
 * eight COW files the real kernel made and wrote (a guest mounts each device and changes its
 * files), and an upgraded base of the same size with 10 % of its sectors changed and another
 * mtime. After one {@code ubd rebase --safe} of all eight, the real kernel reads every device
 * (4 KiB direct reads) exactly as before, {@code e2fsck -fn} passes on each merge, uml_moo merges
 * each COW file to the same bytes as before, and each COW file holds exactly the differing sectors
 * it did not hold more. Refused while the kernel has them open, or when the old base was touched:
 * exit 1, one line, nothing changed.
 */
@RequiresUmlKernel
class RebaseSafeKernelInteropTest {
    static final int COWS = 8;
    static final long BASE_BYTES = 32L << 20;

    @TempDir
    Path dir;

    @Test
    void eightGuestWrittenCowFilesKeepEveryByteOverAnUpgradedBase() throws Exception {
        for (String tool : new String[] {"mkfs.ext4", "e2fsck"}) {
            if (RealTools.find(tool).isEmpty()) {
                System.err.println("*** INTEROP TESTS SKIPPED in " + getClass().getSimpleName() + ": " + tool
                        + " is not installed (apt-get install -y e2fsprogs)");
                Assumptions.abort(tool + " is not installed");
            }
        }
        Random rnd = new Random(2026);
        Path base = makeBase(rnd);
        List<Path> cows = new ArrayList<>();
        List<String> ubdArgs = new ArrayList<>();
        StringBuilder write = new StringBuilder("set -e\n");
        for (int i = 0; i < COWS; i++) {
            Path cow = dir.resolve("vm" + i + ".cow");
            cows.add(cow);
            ubdArgs.add("ubd" + i + "=" + cow + "," + base);
            Path mnt = Files.createDirectory(dir.resolve("mnt" + i));
            String dev = "/dev/ubd" + (char) ('a' + i);
            // each guest changes its file system its own way: new files, an appended one, a deleted one
            write.append("mount -t ext4 ").append(dev).append(' ').append(mnt).append('\n')
                    .append("dd if=/dev/urandom of=").append(mnt).append("/new bs=4096 count=").append(64 + 96 * i).append(" 2>/dev/null\n")
                    .append("echo guest ").append(i).append(" >> ").append(mnt).append("/seed/f0\n")
                    .append("rm -f ").append(mnt).append("/seed/f").append(1 + i).append('\n')
                    .append("mkdir ").append(mnt).append("/d; cp ").append(mnt).append("/seed/f9 ").append(mnt).append("/d/copy\n")
                    .append("umount ").append(mnt).append('\n');
        }
        write.append("sync\n").append(readDevices());
        Path ready = dir.resolve("ready");
        Path go = dir.resolve("go");
        // the guest waits, its devices open, until the test has tried to rebase them under it: the kernel
        // opens (and locks) a device's files only while the device is open (ubd_open to its last release)
        for (int i = 0; i < COWS; i++) {
            write.append("(exec 3</dev/ubd").append((char) ('a' + i)).append("; touch ").append(dir.resolve("open" + i))
                    .append("; while [ ! -e ").append(go).append(" ]; do sleep 0.1; done) &\n");
        }
        write.append("while [ $(ls ").append(dir).append(" | grep -c '^open') -lt ").append(COWS).append(" ]; do sleep 0.05; done\n")
                .append("touch ").append(ready).append("\nwait\n");

        UmlKernel kernel = UmlKernel.get().orElseThrow();
        CompletableFuture<UmlKernel.Result> first = CompletableFuture.supplyAsync(() -> kernel.run(write.toString(), ubdArgs, 180));
        Path neu;
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!Files.exists(ready) && !first.isDone() && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertTrue(Files.exists(ready), "the guest did not get to its wait: " + (first.isDone() ? first.get() : "still running"));
            // the upgraded base: 10 % of its sectors changed, the same size, another mtime
            neu = RebaseFixtures.changedCopy(base, dir.resolve("base-v2.img"), 0.1, rnd);
            List<String> sums = fileSums(cows);
            refused(args(cows, neu), "locked by pid");
            assertEquals(sums, fileSums(cows), "refused while the kernel has them open: nothing changed");
        } finally {
            Files.createFile(go);
        }
        UmlKernel.Result r1 = first.get(200, TimeUnit.SECONDS);
        assertEquals(0, r1.exit(), r1.out() + r1.kernelMessages());
        String devicesBefore = r1.out();
        assertEquals(COWS, devicesBefore.lines().count(), devicesBefore);

        List<String> mooBefore = new ArrayList<>();
        List<Long> held = new ArrayList<>();
        List<Long> differing = new ArrayList<>();
        for (Path cow : cows) {
            mooBefore.add(umlMoo(cow));
            held.add(RebaseFixtures.heldSectors(cow));
            differing.add(RebaseFixtures.differingUnheld(cow, base, neu));
        }
        String baseSum = RebaseFixtures.sha256(base);
        String neuSum = RebaseFixtures.sha256(neu);

        // the old base touched since the COW files were made: the howto's warning; refused, nothing changed
        FileTime mtime = Files.getLastModifiedTime(base);
        Files.setLastModifiedTime(base, FileTime.fromMillis(mtime.toMillis() + 1000));
        List<String> sums = fileSums(cows);
        refused(args(cows, neu), "mtime mismatch");
        assertEquals(sums, fileSums(cows));
        Files.setLastModifiedTime(base, mtime);

        List<String> a = new ArrayList<>(List.of("--safe", "--json"));
        a.addAll(List.of(args(cows, neu)));
        CliRun rebase = CliRun.of(new RebaseCommand(), a.toArray(String[]::new));
        assertEquals(0, rebase.exit(), rebase.err());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> each = (List<Map<String, Object>>) Json.mapper().readValue(rebase.out(),
                new TypeReference<Map<String, Object>>() { }).get("cows");

        for (int i = 0; i < COWS; i++) {
            Path cow = cows.get(i);
            assertTrue(differing.get(i) > 0, "10 % changed reaches " + cow);
            assertEquals(differing.get(i), ((Number) each.get(i).get("sectors_copied")).longValue(), cow.toString());
            assertEquals(held.get(i) + differing.get(i), RebaseFixtures.heldSectors(cow), cow + " grew by exactly the differing sectors it did not hold");
            assertEquals(mooBefore.get(i), umlMoo(cow), "uml_moo merges " + cow + " to the same bytes over the new base");
            Path merged = dir.resolve("merged" + i + ".img");
            CliRun moo = CliRun.of(new MooCommand(), cow.toString(), merged.toString());
            assertEquals(0, moo.exit(), moo.err());
            Exec.Result fsck = Exec.run(dir, List.of(RealTools.find("e2fsck").orElseThrow().toString(), "-fn", merged.toString()));
            assertEquals(0, fsck.exit(), "e2fsck -fn of " + cow + "'s merge: " + fsck.both());
            Files.delete(merged);
        }
        assertEquals(baseSum, RebaseFixtures.sha256(base), "the old base is only read");
        assertEquals(neuSum, RebaseFixtures.sha256(neu), "the new base is only read");

        List<String> over = new ArrayList<>();
        for (Path cow : cows) {
            over.add("ubd" + over.size() + "=" + cow);
        }
        UmlKernel.Result r2 = kernel.run(readDevices(), over, 120);
        assertEquals(0, r2.exit(), r2.out() + r2.kernelMessages());
        assertEquals(devicesBefore, r2.out(), "the real kernel reads every device as before; kernel: " + r2.kernelMessages());
    }

    /** A 32 MiB ext4 image (sparse, as mkfs leaves it) holding a few files of random bytes. */
    private Path makeBase(Random rnd) throws IOException {
        Path seed = Files.createDirectories(dir.resolve("fs/seed"));
        for (int f = 0; f < 10; f++) {
            byte[] b = new byte[(64 + rnd.nextInt(512)) * 1024];
            rnd.nextBytes(b);
            Files.write(seed.resolve("f" + f), b);
        }
        Path base = dir.resolve("base.img");
        Exec.Result mkfs = Exec.run(dir, List.of(RealTools.find("mkfs.ext4").orElseThrow().toString(), "-F", "-q", "-E", "nodiscard",
                "-d", dir.resolve("fs").toString(), base.toString(), (BASE_BYTES >> 10) + "k"));
        assertEquals(0, mkfs.exit(), mkfs.both());
        assertEquals(BASE_BYTES, Files.size(base));
        return base;
    }

    /** The guest prints each device's SHA-256 as read in 4 KiB direct reads (larger ones meet the kernel's B1). */
    private static String readDevices() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < COWS; i++) {
            String dev = "/dev/ubd" + (char) ('a' + i);
            s.append("echo ").append(dev).append(" $(dd if=").append(dev).append(" bs=4096 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\n");
        }
        return s.toString();
    }

    private static String[] args(List<Path> cows, Path neu) {
        List<String> a = new ArrayList<>();
        cows.forEach(c -> a.add(c.toString()));
        a.add(neu.toString());
        return a.toArray(String[]::new);
    }

    private static void refused(String[] files, String says) {
        List<String> a = new ArrayList<>(List.of("--safe"));
        a.addAll(List.of(files));
        CliRun r = CliRun.of(new RebaseCommand(), a.toArray(String[]::new));
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("rebase: ") && r.err().contains("vm0.cow") && r.err().contains(says), r.err());
    }

    private static List<String> fileSums(List<Path> cows) throws IOException {
        List<String> s = new ArrayList<>();
        for (Path c : cows) {
            s.add(RebaseFixtures.sha256(c) + " " + Files.getLastModifiedTime(c));
        }
        return s;
    }

    /** uml_moo's merge of the COW file over the backing file its header names, as a SHA-256 (the merge deleted). */
    private String umlMoo(Path cow) throws IOException {
        Path out = dir.resolve("moo.img");
        Files.deleteIfExists(out);
        Exec.Result r = Exec.run(dir, List.of(RealTools.umlMoo(), cow.toString(), out.toString()));
        assertEquals(0, r.exit(), r.both());
        String sum = RebaseFixtures.sha256(out);
        Files.delete(out);
        return sum;
    }
}
