package org.ubdjava.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.options.UbdDeviceConfig;
import org.ubdjava.core.options.UbdFlags;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.RequiresUmlKernel;
import org.ubdjava.realtools.UmlKernel;

/** Our locks and the real kernel's are the same locks: each refuses a COW file the other has open. */
@RequiresUmlKernel
class KernelLockInteropTest {
    @TempDir
    Path dir;

    @Test
    void aCowFileOpenInARealGuestIsRefusedWithTheKernelsMessages() throws Exception {
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), 256 * 512, new java.util.Random(1));
        Path cow = dir.resolve("cow.img");
        CowCreator.create(cow, back.toString(), false);
        Path ready = dir.resolve("ready");
        Path release = dir.resolve("release");
        // kernel 6.1 opens (and locks) the host files at the first open of the device, so keep it open
        String script = "exec 3</dev/ubda\ntouch " + ready + "\n"
                + "i=0; while [ ! -e " + release + " ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\nexec 3<&-\n";
        CompletableFuture<UmlKernel.Result> guest = CompletableFuture.supplyAsync(
                () -> UmlKernel.get().orElseThrow().run(script, List.of("ubd0=" + cow), 90));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready) && System.nanoTime() < deadline && !guest.isDone()) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(ready), "the guest never opened the device");
            List<String> log = new ArrayList<>();
            DeviceOpener opener = new DeviceOpener(new HostFileTable(), log::add);
            DeviceOpenException e = assertThrows(DeviceOpenException.class, () -> opener.open(
                    UbdDeviceConfig.of(0, cow.toString(), null, null, UbdFlags.NONE)));
            assertTrue(e.getMessage().matches(java.util.regex.Pattern.quote(cow.toString())
                    + ": locked by pid \\d+ \\(a running UML or ubd serve\\?\\)"), e.getMessage());
            assertEquals(3, log.size(), log.toString());
            assertTrue(log.get(0).matches("F_SETLK failed, file already locked by pid \\d+"), log.get(0));
            assertEquals("Failed to lock '" + cow + "', err = 11", log.get(1));
            assertEquals("ubda: Can't open \"" + cow + "\": errno = 11", log.get(2));
        } finally {
            Files.writeString(release, "");
        }
        assertEquals(0, guest.get(90, TimeUnit.SECONDS).exit());
        // and once the guest has let go, we can open it
        new DeviceOpener(new HostFileTable(), KernelLog.DISCARD).open(UbdDeviceConfig.of(0, cow.toString(), null, null, UbdFlags.NONE)).close();
    }

    @Test
    void aCowFileWeHaveOpenIsRefusedByTheRealKernel() throws Exception {
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), 256 * 512, new java.util.Random(2));
        Path cow = dir.resolve("cow.img");
        try (DeviceFiles ours = new DeviceOpener(new HostFileTable(), KernelLog.DISCARD)
                .open(UbdDeviceConfig.of(0, cow.toString(), back.toString(), null, UbdFlags.NONE))) {
            UmlKernel.Result r = UmlKernel.get().orElseThrow().run(
                    "dd if=/dev/ubda of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null && echo opened || echo refused",
                    List.of("ubd0=" + cow), 90);
            assertEquals("refused\n", r.out());
            String pid = Long.toString(ProcessHandle.current().pid());
            assertTrue(r.kernelMessages().contains("F_SETLK failed, file already locked by pid " + pid), r.kernelMessages().toString());
            assertTrue(r.kernelMessages().contains("Failed to lock '" + cow + "', err = 11"), r.kernelMessages().toString());
            assertTrue(r.kernelMessages().contains("ubda: Can't open \"" + cow + "\": errno = 11"), r.kernelMessages().toString());
        }
    }
}
