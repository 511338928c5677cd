package org.ubdjava.cli.serve;

import org.ubdjava.export.vhost.VhostFixture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.testsupport.RequiresUmlKernel;

/** `ubd uml ARGS`: linux.uml with its ubdN= arguments served by us as virtio disks. */
@RequiresUmlKernel
class VhostUmlCommandTest {
    @TempDir
    Path dir;

    @Test
    void ubdArgumentsBecomeVirtioDisksServedByUs() throws Exception {
        VhostFixture.requireModule(getClass().getSimpleName());
        Path back = dir.resolve("back.img");
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        Files.write(back, data);
        Path out = dir.resolve("out");
        Path boot = Files.writeString(dir.resolve("boot"), "#!/bin/sh\nmount -t proc proc /proc\n" + VhostFixture.INSMOD
                + "dd if=/dev/vda bs=4096 count=1 skip=5 2>/dev/null | md5sum | cut -d' ' -f1 > " + out + "\n"
                + "echo written | dd of=/dev/vda bs=512 seek=100 conv=sync 2>/dev/null; sync\n"
                + "cat /sys/block/vda/serial >> " + out + "\npoweroff -f\n");
        Files.setPosixFilePermissions(boot, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.io=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "org.ubdjava.cli.UbdMain", "uml", "mem=256M",
                "umid=ubdj-uml-" + ProcessHandle.current().pid(), "uml_dir=" + dir, "ubd0=" + dir.resolve("cow.img") + "," + back + ",uml-serial",
                "root=/dev/root", "rootfstype=hostfs", "rootflags=/", "rw", "init=" + boot, "con=null", "con0=null"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ubd uml did not finish");
        String log = Files.readString(dir.resolve("log"));
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("ubd uml: ubda is /dev/vda in the guest, served by ubd-java"), log);
        String want = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest(java.util.Arrays.copyOfRange(data, 5 * 4096, 6 * 4096)));
        assertEquals(want + "\numl-serial", Files.readString(out), log);
        assertTrue(log.contains("disk flushed and released"), log);
        byte[] back2 = Files.readAllBytes(back);
        assertTrue(java.util.Arrays.equals(data, back2), "the backing file changed");
        Files.delete(out);
        // what the guest wrote is in the COW file: read it back through our own driver
        org.ubdjava.driver.queue.UbdDriver d = new org.ubdjava.driver.queue.UbdDriver();
        try (d) {
            var disk = d.attach("ubd0=" + dir.resolve("cow.img") + "," + back, l -> { });
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(512);
            d.submit(disk, org.ubdjava.driver.queue.IoOp.READ, 100 * 512, b, 0).join();
            byte[] got = new byte[8];
            b.get(0, got);
            assertEquals("written\n", new String(got, java.nio.charset.StandardCharsets.US_ASCII));
            d.detach(disk);
        }
    }
}
