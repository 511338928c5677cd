package org.ubdjava.driver.queue;

import java.io.IOException;
import java.util.Locale;

import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;

/**
 * One disk's failed requests as log lines, at most {@link #BURST} per {@link #INTERVAL_NANOS} (the
 * kernel's printk_ratelimit: 10 per 5 s): a guest that retries a failing read in a loop cannot
 * flood the log. What was held back is counted in the next line let through.
 *
 * <p>Only on a failure, by whichever thread runs the disk's request (its I/O thread, or an offload
 * thread while the disk is held: one at a time, handed over through the offload's lock and the
 * ring), so unsynchronised; nothing here runs for a request that succeeds.
 */
final class FailureLog {
    static final int BURST = 10;
    static final long INTERVAL_NANOS = 5_000_000_000L;

    private final String disk;
    private final KernelLog log;
    private long intervalStart;
    private int printed;
    private long suppressed;

    FailureLog(String disk, KernelLog log) {
        this.disk = disk;
        this.log = log;
    }

    /** Logs {@code failure} of {@code op} at {@code offset}, unless the rate is exceeded. */
    void failed(IoOp op, long offset, Throwable failure, IoStatus status) {
        long now = System.nanoTime();
        if (printed == 0 || now - intervalStart >= INTERVAL_NANOS) {
            intervalStart = now;
            printed = 0;
        }
        if (printed >= BURST) {
            suppressed++;
            return;
        }
        printed++;
        if (suppressed > 0) {
            log.print(disk + ": " + suppressed + " more failed request" + (suppressed == 1 ? "" : "s") + " not logged");
            suppressed = 0;
        }
        log.print(disk + ": " + op.name().toLowerCase(Locale.ROOT).replace('_', ' ') + (op == IoOp.FLUSH ? "" : " at " + offset)
                + ": " + describe(failure) + "; " + status.words());
    }

    /**
     * A failure in words, never "null": an I/O exception's message names the file and what went
     * wrong; anything else is a bug or the JVM's own trouble, so its class is named too.
     */
    static String describe(Throwable failure) {
        String m = failure.getMessage();
        boolean none = m == null || m.isBlank();
        if (failure instanceof IOException && !none) {
            return m;
        }
        return none ? failure.getClass().getSimpleName() : failure.getClass().getSimpleName() + ": " + m;
    }
}
