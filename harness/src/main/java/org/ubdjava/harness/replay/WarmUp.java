package org.ubdjava.harness.replay;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.ubdjava.core.io.DemoImage;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.driver.queue.WarmUpLoop;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;

/**
 * Runs the replay's own request path (trace reader, driver, closed loop, read checks) on a scratch
 * device until it stops getting faster or a time budget is spent, so the measured run starts with
 * compiled code: a fresh JVM runs its first tens of thousands of requests interpreted or
 * C1-compiled, most of a short run.
 * The scratch device is a COW file over a small backing file in a hidden directory beside the
 * run's COW files (the same file system), deleted before the measured run starts.
 */
final class WarmUp {
    /** A small device: the warm-up must cost the disk next to nothing. */
    static final long BACKING_BYTES = 8L << 20;
    /** Requests of one round: half random 4 KiB reads, half random 4 KiB writes. */
    static final int ROUND_RECORDS = 8192;
    static final int BLOCK = WarmUpLoop.BLOCK;

    private WarmUp() {
    }

    /**
     * Rounds on a scratch device in {@code dir} until they stop getting faster or {@code budgetMillis}
     * has passed ({@link WarmUpLoop#untilSteady}), each the measured run's closed loop with its depth.
     *
     * @return nanoseconds it took, from creating the scratch device to deleting it
     */
    static long run(Path dir, long budgetMillis, ReplayOptions like) throws IOException {
        long start = System.nanoTime();
        Path scratch = Files.createTempDirectory(dir, ".ubd-warm-up-");
        try {
            Path backing = scratch.resolve("base.img");
            DemoImage.create(backing, BACKING_BYTES, 2, like.seed()); // data and holes both
            Path trace = scratch.resolve("warm-up.iolog");
            writeTrace(trace, like.seed());
            Supplier<TraceReader> reader = () -> TraceReaders.open(trace);
            ReplayOptions o = ReplayOptions.builder(List.of(reader), "ubd0=" + scratch.resolve("vm.cow") + "," + backing)
                    .maxInflight(like.maxInflight()).seed(like.seed()).force(true).mergeChecks(0)
                    .preallocation(like.preallocation()).allocationUnit(like.allocationUnit()).build();
            long deadline = start + budgetMillis * 1_000_000L;
            WarmUpLoop.untilSteady(deadline - System.nanoTime(), () -> {
                ReplayResult r = Replay.run(o);
                if (!r.passed()) {
                    throw new UbdException(scratch + ": the warm-up's replay on a scratch device did not pass: "
                            + (r.problems().isEmpty() ? r.verdict() : r.problems().get(0)));
                }
                return r.ioIops();
            });
        } finally {
            Cleanup.deleteTree(scratch);
        }
        return System.nanoTime() - start;
    }

    private static void writeTrace(Path trace, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        int blocks = (int) (BACKING_BYTES / BLOCK);
        try (BufferedWriter w = Files.newBufferedWriter(trace)) {
            w.write("fio version 2 iolog\n/dev/sda add\n/dev/sda open\n");
            for (int i = 0; i < ROUND_RECORDS; i++) {
                w.write("/dev/sda " + (random.nextBoolean() ? "read " : "write ") + (long) random.nextInt(blocks) * BLOCK + " " + BLOCK + "\n");
            }
            w.write("/dev/sda close\n");
        }
    }
}
