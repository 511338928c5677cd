package org.ubdjava.harness.replay;

import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

/**
 * What the completions of one driver I/O thread add up: the device latency of every request
 * (submit to completion), a histogram per trace, and the totals the progress line shows. One per
 * I/O thread, written only by that thread (a disk's completions all run on its
 * {@link org.ubdjava.driver.queue.Disk#ioThread()}), so recording needs no lock and no shared
 * counter; the totals are published with a release store for the timeline to read while the
 * replay runs, the histograms are read after the driver closed. The run's latency is the sum of
 * the traces' histograms, so each request is recorded once.
 */
final class IoTally {
    /** Index: trace (its {@link VmSchedule#trace}). */
    final Histogram[] latencyNanos;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    IoTally(int traces) {
        latencyNanos = new Histogram[traces];
        for (int t = 0; t < traces; t++) {
            latencyNanos[t] = newLatencyHistogram();
        }
    }

    /** Nanoseconds up to an hour, three significant digits: the shape every latency histogram of a replay has, so they add up. */
    static Histogram newLatencyHistogram() {
        return new Histogram(3_600_000_000_000L, 3);
    }

    void completed(int trace, long latency, long requestBytes) {
        Histogram h = latencyNanos[trace];
        h.recordValue(Math.max(1, Math.min(latency, h.getHighestTrackableValue())));
        requests.lazySet(requests.get() + 1);
        bytes.lazySet(bytes.get() + requestBytes);
    }

    long requests() {
        return requests.get();
    }

    long bytes() {
        return bytes.get();
    }
}
