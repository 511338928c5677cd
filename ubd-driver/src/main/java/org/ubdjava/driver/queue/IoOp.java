package org.ubdjava.driver.queue;

/** The operations the kernel driver serves: read, write, flush, discard, write zeroes. */
public enum IoOp {
    READ,
    WRITE,
    FLUSH,
    DISCARD,
    WRITE_ZEROES
}
