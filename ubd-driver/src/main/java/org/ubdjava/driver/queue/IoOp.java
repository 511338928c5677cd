package org.ubdjava.driver.queue;

/** The operations the kernel driver serves (read, write, flush, discard, write zeroes), and two a network front-end asks for. */
public enum IoOp {
    READ,
    WRITE,
    FLUSH,
    DISCARD,
    WRITE_ZEROES,
    /** Reads the range into the backing cache, if there is one; the buffer is unused. */
    PREFETCH,
    /** Reports the range's allocation to the request's {@link org.ubdjava.driver.device.ExtentSink}. */
    EXTENTS;

    /** Flag: durable before completion (a write, discard or write-zeroes, then a flush unless writes are synchronous). */
    public static final int FUA = 1;
    /** Flag on WRITE_ZEROES: fail with NOTSUPP at once rather than write zeros. */
    public static final int FAST_ZERO = 2;
}
