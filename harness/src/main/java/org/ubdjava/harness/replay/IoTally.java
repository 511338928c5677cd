package org.ubdjava.harness.replay;

import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;

/**
 * What the completions of one driver I/O thread add up: the device latency of every request
 * (submit to completion) and the totals the progress line shows. One per I/O thread, written only
 * by that thread (a disk's completions all run on its {@link org.ubdjava.driver.queue.Disk#ioThread()}),
 * so recording needs no lock and no shared counter; the totals are published with a release store
 * for the timeline to read while the replay runs, the histogram is read after the driver closed.
 */
final class IoTally {
    final Histogram latencyNanos = new Histogram(3_600_000_000_000L, 3);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    void completed(long latency, long requestBytes) {
        latencyNanos.recordValue(Math.max(1, Math.min(latency, latencyNanos.getHighestTrackableValue())));
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
