package org.ubdjava.export;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.ubdjava.core.device.KernelLog;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.io.DemoImage;
import org.ubdjava.driver.queue.DirectPath;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.driver.queue.WarmUpLoop;

/**
 * Runs a server's request path warm before it accepts guests: a guest's first tens of thousands of
 * requests would otherwise run in a cold JVM, interpreted (fio's 4 KiB reads at depth 1 in a UML
 * guest run at 0.53-0.74x the kernel's ubd on a cold server, 1.1x on a warm one). The scratch device is
 * a COW file over a small backing file in a hidden directory under java.io.tmpdir, attached to the
 * server's own driver (its polling, its allocation unit), and deleted afterwards: nothing beside
 * the user's files. Each round runs the requests through the rings (NBD's path) and on this
 * thread's {@link DirectPath} (a vhost-user device's).
 */
public final class RequestPathWarmUp {
    /** A small device: the warm-up must cost the disk next to nothing. */
    static final long BACKING_BYTES = 8L << 20;
    /** Requests of a round at each depth: half random 4 KiB reads, half random 4 KiB writes. */
    static final int ROUND_REQUESTS = 4096;
    /** A guest's synchronous requests, and a guest's queue of them (virtio-blk's and fio's usual depths). */
    static final int[] DEPTHS = {1, 32};
    /** The hidden name of the scratch directory, so that a test (or a person) can tell one left behind. */
    public static final String PREFIX = ".ubd-warm-up-";

    private RequestPathWarmUp() {
    }

    /**
     * Rounds of the closed loop at each depth of {@link #DEPTHS} on a scratch disk of {@code driver},
     * until a round is not clearly faster than the best before it or {@code budgetMillis} has passed.
     *
     * @return nanoseconds it took, from creating the scratch device to deleting it
     */
    public static long run(UbdDriver driver, long budgetMillis) throws IOException {
        long start = System.nanoTime();
        Path scratch = scratchDirectory();
        // a signal during the warm-up ends the JVM before the server's own handlers are in place
        Thread removeAtExit = new Thread(() -> Cleanup.deleteTreeQuietly(scratch), "warm-up-cleanup");
        Runtime.getRuntime().addShutdownHook(removeAtExit);
        try {
            Path backing = scratch.resolve("base.img");
            DemoImage.create(backing, BACKING_BYTES, 2, 1); // data and holes both, as a guest's disk has them
            Disk disk = driver.attach("ubd0=" + scratch.resolve("warm-up.cow") + "," + backing, KernelLog.DISCARD);
            try {
                long[] round = {0};
                WarmUpLoop.untilSteady(budgetMillis * 1_000_000L, () -> {
                    double seconds = 0;
                    for (int depth : DEPTHS) {
                        seconds += ROUND_REQUESTS / WarmUpLoop.closedLoop(driver, disk, depth, ROUND_REQUESTS, ++round[0]);
                    }
                    // and on the caller's thread, as a vhost-user device's thread runs its requests
                    try (DirectPath path = driver.direct(disk)) {
                        seconds += ROUND_REQUESTS / WarmUpLoop.direct(path, ROUND_REQUESTS, ++round[0]);
                    }
                    return (DEPTHS.length + 1) * ROUND_REQUESTS / seconds;
                });
            } finally {
                driver.detach(disk);
            }
        } finally {
            Cleanup.deleteTree(scratch);
            try {
                Runtime.getRuntime().removeShutdownHook(removeAtExit);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs anyway, on a directory already gone
            }
        }
        return System.nanoTime() - start;
    }

    /** A new hidden directory under java.io.tmpdir, or an exception that names the temporary directory. */
    private static Path scratchDirectory() throws IOException {
        try {
            return Files.createTempDirectory(PREFIX);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such directory"
                    : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
            throw new IOException(System.getProperty("java.io.tmpdir") + ": cannot make a scratch directory there: " + why, e);
        }
    }
}
