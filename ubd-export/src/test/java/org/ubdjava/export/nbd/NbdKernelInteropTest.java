package org.ubdjava.export.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.testsupport.Exec;
import org.ubdjava.testsupport.RequiresUmlKernel;
import org.ubdjava.realtools.UmlKernel;

/** What NBD clients write into an export, the real UML kernel reads from the COW file afterwards. */
@RequiresUmlKernel
class NbdKernelInteropTest {
    @TempDir
    Path dir;

    @Test
    void theRealKernelReadsWhatQemuWroteThroughTheExport() throws Exception {
        NbdFixture.Qemu qemu = NbdFixture.qemu(getClass().getSimpleName());
        Path seen = dir.resolve("seen.img");
        try (NbdFixture f = new NbdFixture(dir)) {
            String uri = f.uri("ubda");
            // sub-page writes leave pages that mix COW and backing sectors
            Exec.Result w = Exec.run(dir, List.of(qemu.io(), "-f", "raw", uri, "-c", "write -P 0x11 512 1024",
                    "-c", "write -P 0x22 65536 4096", "-c", "write -P 0x33 1049088 1536", "-c", "write -z 2097152 8192",
                    "-c", "discard 4194304 65536", "-c", "flush"));
            assertEquals(0, w.exit(), w.both());
            Exec.Result c = Exec.run(dir, List.of(qemu.img(), "convert", "-f", "raw", "-O", "raw", uri, seen.toString()));
            assertEquals(0, c.exit(), c.both());
        }
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(seen)));
        UmlKernel.Result r = UmlKernel.get().orElseThrow().run(
                "dd if=/dev/ubda bs=4096 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1",
                List.of("ubd0=" + dir.resolve("cow.img")), 120);
        assertEquals(0, r.exit(), r.out());
        assertEquals(want + "\n", r.out(), "kernel messages: " + r.kernelMessages());
    }
}
