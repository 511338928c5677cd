package org.ubdjava.harness.replay;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Samples progress while the replay runs, on its own thread: requests and bytes done, and the
 * disk usage of all COW files together (a finished VM's file counted at its final size, even
 * when {@code --at-once} has deleted it), for the throughput and COW growth charts and the
 * progress bar.
 */
final class Timeline implements Runnable {
    /** One sample: seconds since the start, cumulative requests and bytes, COW bytes on disk. */
    record Sample(double seconds, long requests, long bytes, long cowBytes) {
    }

    private final LongSupplier requests;
    private final LongSupplier bytes;
    private final LongSupplier cowBytes;
    private final LongConsumer progress;
    private final long startNanos;
    private final long periodMillis;
    private final List<Sample> samples = new ArrayList<>();
    private volatile boolean stop;

    Timeline(LongSupplier requests, LongSupplier bytes, LongSupplier cowBytes, LongConsumer progress, long startNanos, long periodMillis) {
        this.requests = requests;
        this.bytes = bytes;
        this.cowBytes = cowBytes;
        this.progress = progress;
        this.startNanos = startNanos;
        this.periodMillis = periodMillis;
    }

    @Override
    public void run() {
        while (!stop) {
            sample();
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void sample() {
        long cow = cowBytes.getAsLong();
        long b = bytes.getAsLong();
        synchronized (samples) {
            samples.add(new Sample((System.nanoTime() - startNanos) / 1e9, requests.getAsLong(), b, cow));
        }
        progress.accept(b);
    }

    void stop() {
        stop = true;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }
}
