package org.ubdjava.driver.queue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import org.ubdjava.driver.device.IoStatus;

/**
 * Runs a request path in rounds until it reaches its steady speed, so that what is measured or
 * served afterwards runs compiled code: a fresh JVM runs its first tens of thousands of requests
 * interpreted or C1-compiled, and a guest or a short run would otherwise pay for it.
 */
public final class WarmUpLoop {
    /** A round's speed over the best before it below which the path counts as warm. */
    public static final double PLATEAU = 1.25;
    public static final int BLOCK = 4096;

    /** One round of a warm-up: runs it and says its speed (any unit, the same every round). */
    @FunctionalInterface
    public interface Round {
        double run() throws IOException;
    }

    private WarmUpLoop() {
    }

    /**
     * Runs {@code round} until one is not clearly faster than the best before it, or
     * {@code budgetNanos} has passed since the call (at least one round).
     *
     * @return the rounds run
     */
    public static int untilSteady(long budgetNanos, Round round) throws IOException {
        long deadline = System.nanoTime() + budgetNanos;
        double best = 0;
        int rounds = 0;
        while (true) {
            double speed = round.run();
            rounds++;
            // compiled code shows as a round clearly faster than every one before it; a round
            // that is not says the request path has reached its steady speed
            if (System.nanoTime() - deadline >= 0 || speed < best * PLATEAU) {
                return rounds;
            }
            best = Math.max(best, speed);
        }
    }

    /**
     * A closed loop of {@code requests} random 4 KiB reads and writes (half each) over
     * {@code disk}, {@code depth} in flight, submitted and completed the way the front-ends do:
     * {@link UbdDriver#submit} from this thread, a {@link Completion} that hands the slot back
     * ({@link ClosedLoop#fromOwner}).
     *
     * @return requests a second
     * @throws IOException when a request fails (naming the disk and the status)
     */
    public static double closedLoop(UbdDriver driver, Disk disk, int depth, int requests, long seed) throws IOException {
        long blocks = disk.size() / BLOCK;
        if (blocks < 1 || depth < 1) {
            throw new IllegalArgumentException(disk.name() + ": a warm-up needs a disk of at least one block and a depth of at least 1");
        }
        RandomBlocks source = new RandomBlocks(depth, requests, blocks, seed);
        long start = System.nanoTime();
        try {
            ClosedLoop.fromOwner(driver, disk, depth, source).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(disk.name() + ": the warm-up was interrupted");
        }
        long nanos = Math.max(1, System.nanoTime() - start);
        if (source.failed != null) {
            throw new IOException(disk.name() + ": a warm-up request failed: " + source.failed);
        }
        return requests * 1e9 / nanos;
    }

    /**
     * {@code requests} random 4 KiB reads and writes (half each) run one after the other on
     * {@code path}, on this thread, as a front-end whose own thread runs its requests does.
     *
     * @return requests a second
     * @throws IOException when a request fails (naming the disk and the status)
     */
    public static double direct(DirectPath path, int requests, long seed) throws IOException {
        long blocks = path.disk().size() / BLOCK;
        if (blocks < 1) {
            throw new IllegalArgumentException(path.disk().name() + ": a warm-up needs a disk of at least one block");
        }
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK);
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            IoStatus s = path.run(random.nextBoolean() ? IoOp.READ : IoOp.WRITE, 0, random.nextLong(blocks) * BLOCK, buffer.clear(), 0);
            if (s != IoStatus.OK) {
                throw new IOException(path.disk().name() + ": a warm-up request failed: " + s);
            }
        }
        return requests * 1e9 / Math.max(1, System.nanoTime() - start);
    }

    /** Random 4 KiB reads and writes, half each, until a number of them or the first failure. */
    private static final class RandomBlocks implements ClosedLoop.Source {
        private final ByteBuffer[] buffers;
        private final int requests;
        private final long blocks;
        private final SplittableRandom random;
        /** Set on the I/O thread, read by the owner after the loop has drained. */
        private volatile IoStatus failed;

        RandomBlocks(int depth, int requests, long blocks, long seed) {
            this.buffers = new ByteBuffer[depth];
            for (int i = 0; i < depth; i++) {
                buffers[i] = ByteBuffer.allocateDirect(BLOCK);
            }
            this.requests = requests;
            this.blocks = blocks;
            this.random = new SplittableRandom(seed);
        }

        @Override
        public ClosedLoop.Next next(long n, int slot, ClosedLoop.Requests to) {
            if (n >= requests || failed != null) {
                return ClosedLoop.Next.END;
            }
            to.add(random.nextBoolean() ? IoOp.READ : IoOp.WRITE, random.nextLong(blocks) * BLOCK, buffers[slot].clear(), 0);
            return ClosedLoop.Next.ADDED;
        }

        @Override
        public void completed(int slot, IoStatus status) {
            if (status != IoStatus.OK) {
                failed = status;
            }
        }
    }
}
