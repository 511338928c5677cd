package org.ubdjava.cli.serve;

import org.ubdjava.export.vhost.VhostFixture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.realtools.UmlKernel;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RealTools;
import org.ubdjava.testsupport.RequiresUmlKernel;
import org.ubdjava.cli.UbdMain;

import picocli.CommandLine;

/**
 * Real guests on our driver: linux.uml 6.1 attaches ubd-java's vhost-user-blk back-end
 * (virtio_uml.device=SOCKET:2, virtio_blk.ko loaded from the host through hostfs), mounts the ext4
 * file system of a backing file through a COW file, and the kernel's own ubd driver agrees with
 * what it left there, and the other way round.
 */
@RequiresUmlKernel
class VhostKernelInteropTest {
    @TempDir
    Path dir;
    Path backing;
    Path mnt;
    String backingSum;
    String cSum;

    @BeforeEach
    void backingFileSystem() throws Exception {
        VhostFixture.requireModule(getClass().getSimpleName());
        String mkfs = RealTools.find("mkfs.ext4").map(Path::toString).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfs != null, "mkfs.ext4 missing");
        Path tree = Files.createDirectories(dir.resolve("tree/sub"));
        Files.writeString(tree.getParent().resolve("a.txt"), "alpha\n");
        Files.writeString(tree.getParent().resolve("b.txt"), "bravo\n");
        byte[] c = new byte[256 * 1024];
        new Random(13).nextBytes(c);
        Files.write(tree.resolve("c.bin"), c);
        cSum = sha(c);
        backing = dir.resolve("back.img");
        Exec.Result r = Exec.run(dir, List.of(mkfs, "-q", "-F", "-d", tree.getParent().toString(), backing.toString(), "64M"));
        assertEquals(0, r.exit(), r.both());
        backingSum = sha(Files.readAllBytes(backing));
        mnt = Files.createDirectories(dir.resolve("mnt"));
    }

    @Test
    void theKernelsUbdSeesWhatAGuestWroteThroughUs() throws Exception {
        Path cow = dir.resolve("cow.img");
        UmlKernel uml = UmlKernel.get().orElseThrow();
        try (VhostFixture f = new VhostFixture(dir.resolve("vh.sock"), null, "ubd0=" + cow + "," + backing + ",vh-serial-1")) {
            UmlKernel.Result g = uml.run(VhostFixture.INSMOD
                    + "mount -t ext4 /dev/vda " + mnt + " || exit 3\n"
                    + "cat " + mnt + "/a.txt\n"
                    + "sha256sum " + mnt + "/sub/c.bin | cut -d' ' -f1\n"
                    + "echo fresh > " + mnt + "/new.txt\n"
                    + "yes xyzzy | head -c 1048576 > " + mnt + "/big.txt\n"
                    + "rm " + mnt + "/b.txt\n"
                    + "sync\n"
                    + "fstrim " + mnt + " || exit 5\n" // the free blocks as DISCARD requests
                    + "umount " + mnt + " || exit 4\n"
                    + "cat /sys/block/vda/serial; echo\n", List.of(f.deviceArg(0)), 120);
            assertEquals(0, g.exit(), g.out() + "\nserver: " + f.log + "\n" + g.dmesg());
            assertEquals("alpha\n" + cSum + "\nvh-serial-1\n", g.out(), g.dmesg());
            // the guest is gone: the server has let the COW file go while it still runs
            assertTrue(f.awaitLog("ubda: the front-end disconnected; disk flushed and released", 10_000), f.log.toString());
            UmlKernel.Result k = uml.run("mount -t ext4 /dev/ubda " + mnt + " || exit 3\n"
                    + "ls " + mnt + " | tr '\\n' ' '; echo\n"
                    + "cat " + mnt + "/a.txt " + mnt + "/new.txt\n"
                    + "sha256sum " + mnt + "/sub/c.bin " + mnt + "/big.txt | cut -d' ' -f1\n"
                    + "umount " + mnt + "\n", List.of("ubd0=" + cow), 120);
            assertEquals(0, k.exit(), k.out() + k.dmesg());
            String big = sha(("xyzzy\n".repeat(1048576 / 6 + 1)).substring(0, 1048576).getBytes());
            assertEquals("a.txt big.txt lost+found new.txt sub \nalpha\nfresh\n" + cSum + "\n" + big + "\n", k.out(), k.kernelMessages().toString());
        }
        Path merged = dir.resolve("merged.img");
        assertEquals(0, ubd("moo", cow.toString(), merged.toString()));
        Exec.Result fsck = Exec.run(dir, List.of(RealTools.find("e2fsck").orElseThrow().toString(), "-fn", merged.toString()));
        assertEquals(0, fsck.exit(), fsck.both());
        assertEquals(backingSum, sha(Files.readAllBytes(backing)), "the backing file changed");
    }

    @Test
    void weServeWhatTheKernelsUbdWrote() throws Exception {
        Path cow = dir.resolve("kcow.img");
        UmlKernel uml = UmlKernel.get().orElseThrow();
        UmlKernel.Result k = uml.run("mount -t ext4 /dev/ubda " + mnt + " || exit 3\n"
                + "echo kernel > " + mnt + "/k.txt\n"
                + "rm " + mnt + "/a.txt\n"
                + "yes plugh | head -c 300000 > " + mnt + "/sub/p.txt\n"
                + "sync; umount " + mnt + " || exit 4\n", List.of("ubd0=" + cow + "," + backing), 120);
        assertEquals(0, k.exit(), k.out() + k.dmesg());
        String read = "mount -t ext4 %s " + mnt + " 2>/dev/null || exit 3\n"
                + "ls -R " + mnt + " | tr '\\n' ' '; echo\n"
                + "cat " + mnt + "/k.txt " + mnt + "/b.txt\n"
                + "sha256sum " + mnt + "/sub/c.bin " + mnt + "/sub/p.txt | cut -d' ' -f1\n"
                + "umount " + mnt + "\n";
        UmlKernel.Result want = uml.run(read.formatted("/dev/ubda"), List.of("ubd0r=" + cow), 120);
        assertEquals(0, want.exit(), want.out() + want.dmesg());
        assertTrue(want.out().contains("kernel\nbravo\n" + cSum + "\n"), want.out());
        try (VhostFixture f = new VhostFixture(dir.resolve("vh.sock"), null, "ubd0r=" + cow)) {
            UmlKernel.Result g = uml.run(VhostFixture.INSMOD + "cat /sys/block/vda/ro\n" + read.formatted("-o ro,noload /dev/vda"),
                    List.of(f.deviceArg(0)), 120);
            assertEquals(0, g.exit(), g.out() + "\nserver: " + f.log + "\n" + g.dmesg());
            assertEquals("1\n" + want.out(), g.out());
        }
        assertEquals(backingSum, sha(Files.readAllBytes(backing)), "the backing file changed");
    }

    @Test
    void fourGuestsAtOnceOneKilledInTheMiddleOfItsWrites() throws Exception {
        UmlKernel uml = UmlKernel.get().orElseThrow();
        String[] specs = new String[4];
        for (int i = 0; i < 4; i++) {
            specs[i] = "ubd" + i + "=" + dir.resolve("cow" + i + ".img") + "," + backing;
        }
        Path started = dir.resolve("victim.started");
        Path killed = dir.resolve("victim.killed");
        try (VhostFixture f = new VhostFixture(dir.resolve("vh.sock"), null, specs)) {
            List<Thread> guests = new ArrayList<>();
            List<AtomicReference<Object>> results = new ArrayList<>();
            AtomicReference<ProcessHandle> victim = new AtomicReference<>();
            for (int i = 0; i < 4; i++) {
                Path m = Files.createDirectories(dir.resolve("mnt" + i));
                String script = VhostFixture.INSMOD + "mount -t ext4 /dev/vda " + m + " || exit 3\n" + (i == 3
                        ? "touch " + started + "\nn=0; while true; do dd if=/dev/urandom of=" + m + "/f$n bs=64k count=8 2>/dev/null; n=$((n+1)); done\n"
                        : "while [ ! -e " + killed + " ]; do sleep 0.1; done\n"
                        + "dd if=/dev/urandom of=" + m + "/data bs=64k count=32 2>/dev/null\n"
                        + "sha256sum " + m + "/data | cut -d' ' -f1\nsync; umount " + m + " || exit 4\n");
                AtomicReference<Object> result = new AtomicReference<>();
                results.add(result);
                int n = i;
                Thread t = new Thread(() -> {
                    try {
                        result.set(uml.run(script, List.of(f.deviceArg(n)), 180, "256M", n == 3 ? victim::set : p -> { }));
                    } catch (RuntimeException e) {
                        result.set(e);
                    }
                });
                guests.add(t);
                t.start();
            }
            long end = System.currentTimeMillis() + 90_000;
            while (!Files.exists(started) && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(started), "the fourth guest never started writing; server: " + f.log);
            Thread.sleep(1500);
            ProcessHandle v = victim.get();
            List<ProcessHandle> helpers = v.descendants().toList();
            v.destroyForcibly(); // SIGKILL
            helpers.forEach(ProcessHandle::destroyForcibly);
            Files.createFile(killed);
            for (Thread t : guests) {
                t.join(200_000);
            }
            assertTrue(f.awaitLog("ubdd: the front-end disconnected; disk flushed and released", 20_000), f.log.toString());
            assertEquals(0, ubd("check", dir.resolve("cow3.img").toString()), "ubd check on the killed guest's COW file");
            List<String> sums = new ArrayList<>();
            StringBuilder read = new StringBuilder();
            List<String> args = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Object r = results.get(i).get();
                assertTrue(r instanceof UmlKernel.Result, "guest " + i + ": " + r + "; server: " + f.log);
                UmlKernel.Result g = (UmlKernel.Result) r;
                assertEquals(0, g.exit(), "guest " + i + ": " + g.out() + "\nserver: " + f.log + "\n" + g.dmesg());
                assertEquals(65, g.out().length(), g.out());
                sums.add(g.out());
                read.append("mount -t ext4 -o ro /dev/ubd").append((char) ('a' + i)).append(' ').append(dir.resolve("mnt" + i))
                        .append(" && sha256sum ").append(dir.resolve("mnt" + i)).append("/data | cut -d' ' -f1; umount ")
                        .append(dir.resolve("mnt" + i)).append('\n');
                args.add("ubd" + i + "r=" + dir.resolve("cow" + i + ".img"));
            }
            UmlKernel.Result k = uml.run(read.toString(), args, 120);
            assertEquals(String.join("", sums), k.out(), k.dmesg());
        }
        assertEquals(backingSum, sha(Files.readAllBytes(backing)), "the backing file changed");
    }

    static int ubd(String... args) {
        CommandLine cl = UbdMain.commandLine(false);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int exit = cl.execute(args);
        if (exit != 0) {
            System.err.println("ubd " + String.join(" ", args) + ": " + out);
        }
        return exit;
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
