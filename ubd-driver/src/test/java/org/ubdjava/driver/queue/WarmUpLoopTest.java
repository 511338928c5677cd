package org.ubdjava.driver.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.testing.CowFixtures;

/** {@link WarmUpLoop}: rounds until the speed stops rising, and its closed loop through the driver. */
@Timeout(60)
class WarmUpLoopTest {
    @TempDir
    Path dir;

    static int rounds(long budgetNanos, Double... speeds) throws IOException {
        Iterator<Double> it = List.of(speeds).iterator();
        return WarmUpLoop.untilSteady(budgetNanos, it::next);
    }

    @Test
    void roundsStopAtTheFirstThatIsNotClearlyFasterThanTheBestBeforeIt() throws IOException {
        // 300 is 1.5x the best before it, 310 only 1.03x
        assertEquals(4, rounds(Long.MAX_VALUE / 2, 100.0, 200.0, 300.0, 310.0, 1000.0));
        // a slower round is as steady as a round no faster
        assertEquals(3, rounds(Long.MAX_VALUE / 2, 100.0, 300.0, 200.0, 1000.0));
    }

    @Test
    void aSpentBudgetStopsAfterOneRound() throws IOException {
        assertEquals(1, rounds(0, 100.0, 200.0, 400.0));
    }

    @Test
    void theClosedLoopWritesTheCowFileOnlyAndAFailedRequestIsAnException() throws Exception {
        Path back = CowFixtures.randomBacking(dir.resolve("back.img"), 1 << 20, new Random(3));
        byte[] before = Files.readAllBytes(back);
        try (UbdDriver driver = new UbdDriver()) {
            Disk d = driver.attach("ubd0=" + dir.resolve("cow.img") + "," + back, KernelLog.DISCARD);
            for (int depth : new int[] {1, 8}) {
                assertTrue(WarmUpLoop.closedLoop(driver, d, depth, 500, depth) > 0);
            }
            try (DirectPath path = driver.direct(d)) {
                assertTrue(WarmUpLoop.direct(path, 500, 3) > 0);
            }
            Disk ro = driver.attach("ubd1r=" + back, KernelLog.DISCARD);
            IOException e = assertThrows(IOException.class, () -> WarmUpLoop.closedLoop(driver, ro, 4, 500, 1));
            assertTrue(e.getMessage().startsWith(ro.name() + ": a warm-up request failed: "), e.getMessage());
            try (DirectPath path = driver.direct(ro)) {
                IOException direct = assertThrows(IOException.class, () -> WarmUpLoop.direct(path, 500, 1));
                assertEquals(ro.name() + ": a warm-up request failed: READ_ONLY", direct.getMessage());
            }
        }
        assertArrayEquals(before, Files.readAllBytes(back), "the backing file is never written");
        assertTrue(Files.size(dir.resolve("cow.img")) > 0);
    }
}
